using System.Text.Json;
using KosmosG.Tokenizers;
using KosmosG.Tokenizers.SentencePiece;
using static TorchSharp.torch;

namespace KosmosG.Tests.Tokenizers;

/// <summary>Token ids, image masks and token strings against every kosmosg-tiny case that has them (exact).</summary>
public class KosmosGPromptBuilderTests
{
    static readonly SentencePieceModel Spm = SentencePieceModel.Load(Path.Combine(Fixtures.KosmosGTiny, "sentencepiece.bpe.model"));
    static readonly FairseqDictionary Dict = FairseqDictionary.Load(Path.Combine(Fixtures.KosmosGTiny, "dict.txt"));
    static readonly KosmosGPromptBuilder Builder = new(Spm, Dict, imageTokenLength: 4, maxImages: 10, maxTokens: 512);

    public static TheoryData<string> PromptCases => [.. KosmosGTinyCases.IdsOfKind("prompt", "e2e")];
    public static TheoryData<string> UncondCases => [.. KosmosGTinyCases.IdsOfKind("uncond")];

    [Theory]
    [MemberData(nameof(PromptCases))]
    public void Build_PromptCase_ExactIdsMasksAndStrings(string id)
    {
        var c = KosmosGTinyCases.Case(id);
        var prompt = Builder.Build(c.GetProperty("prompt").GetString()!, KosmosGTinyCases.Strings(c, "images").Length);
        var (tokens, mask) = Builder.Pad([prompt]);
        TensorAssert.Equal(KosmosGTinyCases.Tensor(id, "src_tokens"), tokens, $"{id}.src_tokens");
        TensorAssert.Equal(KosmosGTinyCases.Tensor(id, "img_gpt_input_mask"), mask, $"{id}.img_gpt_input_mask");
        var negative = Builder.BuildNegative(c.GetProperty("negative_prompt").GetString()!);
        TensorAssert.Equal(KosmosGTinyCases.Tensor(id, "negative_tokens"), tensor(negative.Tokens).unsqueeze(0), $"{id}.negative_tokens");
        var strings = KosmosGTinyCases.Strings(c, "token_strings");
        if (strings.Length > 0) Assert.Equal(strings, prompt.Tokens.Select(t => Dict[(int)t]));
    }

    [Theory]
    [MemberData(nameof(UncondCases))]
    public void BuildNegative_UncondCase_Exact(string id)
    {
        var c = KosmosGTinyCases.Case(id);
        var negative = Builder.BuildNegative(c.GetProperty("prompt").GetString()!);
        TensorAssert.Equal(KosmosGTinyCases.Tensor(id, "src_tokens"), tensor(negative.Tokens).unsqueeze(0), $"{id}.src_tokens");
        var strings = KosmosGTinyCases.Strings(c, "token_strings");
        if (strings.Length > 0) Assert.Equal(strings, negative.Tokens.Select(t => Dict[(int)t]));
    }

    [Fact]
    public void Pad_BatchCase_ExactIdsMasksAndStrings()
    {
        var c = KosmosGTinyCases.Case("b0_batched");
        var prompts = KosmosGTinyCases.Strings(c, "prompts").Select(p => Builder.Build(p, 1)).ToList();
        var (tokens, mask) = Builder.Pad(prompts);
        TensorAssert.Equal(KosmosGTinyCases.Tensor("b0_batched", "src_tokens"), tokens, "b0_batched.src_tokens");
        TensorAssert.Equal(KosmosGTinyCases.Tensor("b0_batched", "img_gpt_input_mask"), mask, "b0_batched.img_gpt_input_mask");
        Assert.Equal(ScalarType.Int64, tokens.dtype);
        Assert.Equal(ScalarType.Bool, mask.dtype);
        var expectedStrings = c.GetProperty("token_strings").EnumerateArray().Select(row => row.EnumerateArray().Select(s => s.GetString()!).ToArray()).ToArray();
        var ids = tokens.data<long>().ToArray();
        var width = (int)tokens.shape[1];
        for (var b = 0; b < expectedStrings.Length; b++)
            Assert.Equal(expectedStrings[b], ids.Skip(b * width).Take(width).Select(t => Dict[(int)t]));
        var negative = Builder.BuildNegative(c.GetProperty("negative_prompt").GetString()!);
        TensorAssert.Equal(KosmosGTinyCases.Tensor("b0_batched", "negative_tokens"), tensor(negative.Tokens).unsqueeze(0), "b0_batched.negative_tokens");
    }

    [Fact]
    public void Pad_LossCaptions_ExactSourceTokens()
    {
        var captions = KosmosGTinyCases.Strings(KosmosGTinyCases.Case("loss_stage2"), "captions");
        var (tokens, _) = Builder.Pad(captions.Select(Builder.BuildNegative).ToList());
        TensorAssert.Equal(KosmosGTinyCases.Tensor("loss_stage2", "src_tokens"), tokens, "loss_stage2.src_tokens");
    }

    [Fact]
    public void Build_OmittedDictPieces_MapToUnk()
    {
        Assert.Contains("▁hat", Spm.EncodeAsPieces("a straw hat"));
        Assert.Contains("▁window", Spm.EncodeAsPieces("the window"));
        var ids = Builder.EncodeText("hat window");
        Assert.Equal([Dict.Unk, Dict.Unk], ids);
    }

    [Fact]
    public void Build_ImageBlockLayout()
    {
        var p = Builder.Build("<i>x<i>", 2);
        long I = Dict.ImageStart, E = Dict.ImageEnd;
        var x = Builder.EncodeText("x");
        Assert.Equal([Dict.Bos, I, I, I, I, I, E, .. x, I, I, I, I, I, E], p.Tokens);
        bool[] block = [false, true, true, true, true, false];
        Assert.Equal([false, .. block, .. x.Select(_ => false), .. block], p.ImageMask);
    }

    [Theory]
    [InlineData("<image> </image> <s> </s> <pad> <mask> </doc> </chunk> </line>")]
    [InlineData("<image><image><image><image><image></image>")]
    [InlineData("<i")]
    public void Build_TypedSpecialSymbols_AreOrdinaryText(string text)
    {
        // SentencePiece splits them into ordinary pieces ("▁", "<", "im", ...): no structural id, no image slot.
        var p = Builder.Build(text, 0);
        int[] structural = [Dict.Bos, Dict.Pad, Dict.Eos, Dict.Mask, Dict.EndOfDocument, Dict.ImageStart, Dict.ImageEnd, Dict.EndOfChunk, Dict.EndOfLine];
        Assert.Equal(Dict.Bos, p.Tokens[0]);
        Assert.DoesNotContain(p.Tokens.Skip(1), t => structural.Contains((int)t));
        Assert.DoesNotContain(true, p.ImageMask);
        Assert.Equal(Builder.EncodeText(text), p.Tokens.Skip(1));
    }

    [Fact]
    public void EncodeText_StructuralPieceFromModel_BecomesUnk()
    {
        // A model whose user-defined piece "<image>" would look up to the dictionary's <image> id.
        var spm = SentencePieceModel.Parse(SyntheticModel.Bytes(), "synthetic");
        var dict = FairseqDictionary.Parse(new StringReader("▁ 1\na 1\nb 1\n▁a 1"), "dict");
        var builder = new KosmosGPromptBuilder(spm, dict, imageTokenLength: 2);
        Assert.Equal(new[] { "▁a", "<image>", "b" }, spm.EncodeAsPieces("a<image>b"));
        Assert.Equal([dict.IndexOf("▁a"), dict.Unk, dict.IndexOf("b")], builder.EncodeText("a<image>b"));
        var p = builder.Build("a<image>b <i>", 1);
        Assert.Equal(3, p.Tokens.Count(t => t == dict.ImageStart));  // only the real block (Q+1 = 3)
        Assert.Equal(2, p.ImageMask.Count(m => m));
    }

    [Theory]
    [InlineData("<i> and <i>", 1, "has 2 <i> image marker(s) but 1 image(s)")]
    [InlineData("no marker", 2, "has 0 <i> image marker(s) but 2 image(s)")]
    [InlineData("<i>", 0, "has 1 <i> image marker(s) but 0 image(s)")]
    public void Build_MarkerCountMismatch_SaysBothNumbers(string prompt, int images, string expected)
    {
        var error = Assert.Throws<PromptException>(() => Builder.Build(prompt, images));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Build_TooManyImages_SaysTheLimit()
    {
        var builder = new KosmosGPromptBuilder(Spm, Dict, imageTokenLength: 4, maxImages: 2);
        var error = Assert.Throws<PromptException>(() => builder.Build("<i><i><i>", 3));
        Assert.Contains("3 images were supplied; at most 2 are allowed", error.Message);
        Assert.IsAssignableFrom<ArgumentException>(error);
    }

    [Fact]
    public void Build_TooManyTokens_SaysCountAndLimit()
    {
        var builder = new KosmosGPromptBuilder(Spm, Dict, imageTokenLength: 4, maxTokens: 10);
        Assert.Equal(10, builder.Build("<i> the the the", 1).Length);   // 1 + (4+2) + 3: exactly at the limit
        var error = Assert.Throws<PromptException>(() => builder.Build("<i> the the the the", 1));
        Assert.Contains("prompt is 11 tokens long (each image takes 6); the limit is 10", error.Message);
    }

    [Fact]
    public void BuildNegative_TooManyTokens_SaysCountAndLimit()
    {
        var builder = new KosmosGPromptBuilder(Spm, Dict, imageTokenLength: 4, maxTokens: 3);
        var error = Assert.Throws<PromptException>(() => builder.BuildNegative("the the the"));
        Assert.Contains("negative prompt is 4 tokens long; the limit is 3", error.Message);
    }

    [Fact]
    public void Pad_NoPrompts_Throws() => Assert.Throws<ArgumentException>(() => Builder.Pad([]));
}
