using static TorchSharp.torch;

namespace KosmosG.Models.Diffusion;

/// <summary>
/// Unmasked attention softmax(q·kᵀ/sqrt(d))·v as two batched matrix products per block of heads and query rows, the
/// scores of one block at most <see cref="DefaultBlockScores"/> elements. For bf16/fp16 self-attention over 256 keys
/// and more this took a third to a half of the CPU time of the fused <c>scaled_dot_product_attention</c> (AVX-512 BF16,
/// no AMX, U-Net shapes, batch 2, 8 heads: 4096 tokens x head size 40 735 -> 340 ms, 1024 x 40 51 -> 22 ms, 1024 x 80
/// 86 -> 29 ms, 256 x 160 10.4 -> 3.4 ms): the fused kernel's small inner products at head sizes 40-160 ran at
/// ~120 GFLOP/s. The blocks bound the score memory (4096 tokens would need 256 MB of bf16 scores at once). The scores
/// and probabilities are rounded to the tensors' dtype, as in diffusers' plain attention processor; the softmax itself
/// accumulates in float32. In float32 the fused kernel was as fast or faster, so float32 does not come here.
/// </summary>
public static class BlockedAttention
{
    /// <summary>Score elements per block: 4 M (8 MB in bf16) was as fast as 1 M and faster than 16 M at every shape measured.</summary>
    public const long DefaultBlockScores = 1L << 22;

    /// <summary>Keys from which the blocked products beat the fused kernel (bf16, 256 and 1024 keys; at 64 and 77 keys the fused kernel was faster).</summary>
    public const long MinKeys = 256;

    /// <summary>Whether <see cref="Compute"/> is the faster path for these [B, H, T, D] tensors.</summary>
    public static bool Applies(Tensor query, Tensor key) =>
        query.dtype is ScalarType.BFloat16 or ScalarType.Float16 && key.shape[2] >= MinKeys;

    /// <param name="query">[B, H, Tq, D]</param>
    /// <param name="key">[B, H, Tk, D]</param>
    /// <param name="value">[B, H, Tk, D]</param>
    /// <param name="blockScores">Upper bound of score elements per block (tests use small blocks to cover the loop).</param>
    /// <returns>[B, H, Tq, D], contiguous.</returns>
    public static Tensor Compute(Tensor query, Tensor key, Tensor value, long blockScores = DefaultBlockScores)
    {
        var (batch, heads, tq, d) = (query.shape[0], query.shape[1], query.shape[2], query.shape[3]);
        var tk = key.shape[2];
        var bh = batch * heads;
        using var scope = NewDisposeScope();
        var q = query.reshape(bh, tq, d).mul(1 / Math.Sqrt(d));
        var kT = key.reshape(bh, tk, d).transpose(1, 2);
        var v = value.reshape(bh, tk, d);
        var output = empty([bh, tq, d], query.dtype, query.device);

        // A block is `group` heads x `rows` query positions: whole heads while they fit, else rows of one head.
        var rowsPerBlock = Math.Max(1, blockScores / tk);
        var rows = Math.Min(tq, rowsPerBlock);
        var group = rows == tq ? Math.Clamp(rowsPerBlock / tq, 1, bh) : 1;
        for (long head = 0; head < bh; head += group)
        {
            var g = Math.Min(group, bh - head);
            var (qHeads, kHeads, vHeads, outHeads) = (q.narrow(0, head, g), kT.narrow(0, head, g), v.narrow(0, head, g), output.narrow(0, head, g));
            for (long row = 0; row < tq; row += rows)
            {
                using var block = NewDisposeScope();
                var n = Math.Min(rows, tq - row);
                var probabilities = bmm(qHeads.narrow(1, row, n), kHeads).softmax(-1);
                outHeads.narrow(1, row, n).copy_(bmm(probabilities, vHeads));
            }
        }
        return output.view(batch, heads, tq, d).MoveToOuterDisposeScope();
    }
}
