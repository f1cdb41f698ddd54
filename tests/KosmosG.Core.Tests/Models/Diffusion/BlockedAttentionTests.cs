using KosmosG.Models.Diffusion;
using static TorchSharp.torch;

namespace KosmosG.Tests.Models.Diffusion;

/// <summary>The blocked attention against the fused kernel on float32 inputs (the reference), with blocks small enough
/// that the head and row loops both run, and with inputs laid out as the U-Net's Attention passes them (head views of
/// [B, T, H*D]).</summary>
public class BlockedAttentionTests
{
    [Theory]
    [InlineData(ScalarType.Float32, 300, 300, 40, 1L << 22, 1e-5)] // one block holding every head
    [InlineData(ScalarType.Float32, 300, 300, 40, 5000, 1e-5)]     // rows of one head per block, a short last block
    [InlineData(ScalarType.Float32, 64, 256, 80, 64 * 256 * 3, 1e-5)] // three heads per block, a short last group
    [InlineData(ScalarType.BFloat16, 300, 300, 40, 5000, 4e-2)]
    [InlineData(ScalarType.BFloat16, 256, 256, 160, 1L << 22, 4e-2)]
    [InlineData(ScalarType.Float16, 300, 300, 40, 5000, 5e-3)]
    public void MatchesTheFusedKernel(ScalarType dtype, int queries, int keys, int headSize, long blockScores, double tolerance)
    {
        const int batch = 2, heads = 4;
        var generator = new Generator(11, CPU);
        using var scope = NewDisposeScope();
        Tensor Heads(int tokens) => randn([batch, tokens, heads * headSize], ScalarType.Float32, generator: generator)
            .view(batch, tokens, heads, headSize).transpose(1, 2);
        var (q, k, v) = (Heads(queries) * 2, Heads(keys), Heads(keys)); // scores of a few units, as in a trained model
        var expected = nn.functional.scaled_dot_product_attention(q, k, v);
        var actual = BlockedAttention.Compute(q.to(dtype), k.to(dtype), v.to(dtype), blockScores);
        Assert.Equal(dtype, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        // bf16/fp16: scores and probabilities rounded to 8/11 mantissa bits. Scores here reach ~8, so bf16 rounds a
        // logit by up to 0.03 (3% of a probability); outputs are averages of unit-scale values (measured max 0.03).
        TensorAssert.Close(expected, actual.to(ScalarType.Float32), atol: tolerance, rtol: tolerance, what: $"{dtype} {queries}x{keys}, head size {headSize}");
    }

    [Fact]
    public void TakesOnlyLongReducedPrecisionAttention()
    {
        using var scope = NewDisposeScope();
        Assert.True(BlockedAttention.Applies(zeros([1, 8, 4096, 40], ScalarType.BFloat16), zeros([1, 8, 4096, 40], ScalarType.BFloat16)));
        Assert.False(BlockedAttention.Applies(zeros([1, 8, 4096, 40], ScalarType.BFloat16), zeros([1, 8, 77, 40], ScalarType.BFloat16)));
        Assert.False(BlockedAttention.Applies(zeros([1, 8, 4096, 40], ScalarType.Float32), zeros([1, 8, 4096, 40], ScalarType.Float32)));
    }
}
