using KosmosG.Models.Kosmos;
using Xunit.Abstractions;
using static KosmosG.Testing.KosmosGTinyCases;
using static TorchSharp.torch;

namespace KosmosG.Tests.Models.Kosmos;

/// <summary>
/// Stage-by-stage parity with the official KOSMOS-G modules (kosmosg-tiny fixture, float32 CPU). Each stage is fed
/// the reference input of that stage, so a failure points at one block. Tolerances are the fixture README's:
/// vision/connector 1e-5; MLLM 2e-5; AlignerNet, conditions and loss tensors 2e-5; loss scalars 1e-5 relative.
/// </summary>
public sealed class KosmosGParityTests(KosmosGTinyModels models, ITestOutputHelper output) : IClassFixture<KosmosGTinyModels>
{
    const double VisionAtol = 1e-5, MllmAtol = 2e-5, AlignerAtol = 2e-5, LossRtol = 1e-5;

    void Check(Tensor expected, Tensor actual, double atol, string what, double rtol = 0) =>
        output.WriteLine($"{what}: max |diff| = {TensorAssert.Close(expected, actual, atol, rtol, what):E2}");

    public static TheoryData<string> VisionCases => With("vision_out");
    public static TheoryData<string> EmbedCases => With("mllm_embed_in");
    public static TheoryData<string> LogitCases => With("mllm_logits");
    public static TheoryData<string> AlignerCases => With("aligner_out");
    public static TheoryData<string> ConditionCases => With("encode_condition");

    [Theory, MemberData(nameof(VisionCases))]
    public void VisionTowerAndConnectorMatch(string id)
    {
        using var _ = no_grad();
        var model = models.Inference;
        var lnPost = model.img_model.visual.forward(Images(id));
        Check(Tensor(id, "vision_ln_post"), lnPost.transpose(0, 1), VisionAtol, $"{id}.vision_ln_post");
        var visionOut = model.img_model.forward(Images(id));
        Check(Tensor(id, "vision_out"), visionOut.transpose(0, 1), VisionAtol, $"{id}.vision_out");
        Check(Tensor(id, "connector_out"), model.img_connector.forward(Tensor(id, "vision_out").transpose(0, 1)), VisionAtol, $"{id}.connector_out (from reference vision_out)");
        Check(Tensor(id, "connector_out"), model.EncodeImages(Images(id)), VisionAtol, $"{id}.connector_out (EncodeImages)");
    }

    [Theory, MemberData(nameof(EmbedCases))]
    public void MllmEmbeddingAndHiddenMatch(string id)
    {
        using var _ = no_grad();
        var decoder = models.Inference.gpt_model.decoder;
        var tokens = Tensor(id, "src_tokens");
        var (mask, features) = HasTensor(id, "connector_out") ? (ImageMask(id), Tensor(id, "connector_out")) : ((Tensor?)null, (Tensor?)null);
        Check(Tensor(id, "mllm_embed_in"), decoder.ForwardEmbedding(tokens, mask, features), MllmAtol, $"{id}.mllm_embed_in");
        Check(Tensor(id, "mllm_hidden"), models.Inference.MllmHidden(tokens, mask, features), MllmAtol, $"{id}.mllm_hidden");
    }

    [Theory, MemberData(nameof(LogitCases))]
    public void MllmLogitsMatch(string id)
    {
        using var _ = no_grad();
        var decoder = models.Inference.gpt_model.decoder;
        Check(Tensor(id, "mllm_logits"), decoder.Logits(Tensor(id, "mllm_hidden")), MllmAtol, $"{id}.mllm_logits");
    }

    [Theory, MemberData(nameof(AlignerCases))]
    public void AlignerNetMatches(string id)
    {
        using var _ = no_grad();
        Check(Tensor(id, "aligner_out"), models.Inference.Align(Tensor(id, "mllm_hidden"), Tensor(id, "src_tokens")), AlignerAtol, $"{id}.aligner_out");
    }

    [Theory, MemberData(nameof(ConditionCases))]
    public void EncodeConditionMatches(string id)
    {
        using var _ = no_grad();
        var images = HasTensor(id, "images_fp16") ? Images(id) : null;
        var condition = models.Inference.EncodeCondition(Tensor(id, "src_tokens"), ImageMask(id), images, Tensor(id, "negative_tokens"), imagesPerPrompt: 1);
        Check(Tensor(id, "encode_condition"), condition, AlignerAtol, $"{id}.encode_condition");
    }

    [Fact]
    public void UnconditionalBranchMatchesBosAndNegativeCases()
    {
        using var _ = no_grad();
        Check(Tensor("uncond_bos", "aligner_out"), models.Inference.EncodeUnconditional(), AlignerAtol, "uncond_bos (no negative prompt)");
        Check(Tensor("uncond_bos", "aligner_out"), models.Inference.EncodeUnconditional(Tensor("b0_batched", "negative_tokens")), AlignerAtol, "uncond_bos (empty negative prompt)");
        Check(Tensor("uncond_negative", "aligner_out"), models.Inference.EncodeUnconditional(Tensor("uncond_negative", "src_tokens")), AlignerAtol, "uncond_negative");
    }

    [Fact]
    public void EndToEndConditionMatchesWithTwoImagesPerPrompt()
    {
        using var _ = no_grad();
        const string id = "e2e";
        var condition = models.Inference.EncodeCondition(Tensor(id, "src_tokens"), ImageMask(id), Images(id), Tensor(id, "negative_tokens"), imagesPerPrompt: 2);
        Check(Tensor(id, "condition"), condition, AlignerAtol, "e2e.condition");
    }

    [Fact]
    public void Stage2LossMatches()
    {
        using var _ = no_grad();
        const string id = "loss_stage2";
        var model = models.Stage2;
        var tokens = Tensor(id, "src_tokens");
        var hidden = Tensor(id, "mllm_hidden");
        Check(hidden, model.MllmHidden(tokens), MllmAtol, $"{id}.mllm_hidden");

        var aligner = Assert.IsType<Aligner>(model.aligner);
        var (m, reconstruction) = aligner.ForwardStage2(hidden, tokens.eq(model.Config.PaddingIdx));
        Check(Tensor(id, "aligner_M_out"), m, AlignerAtol, $"{id}.aligner_M_out");
        Check(Tensor(id, "aligner_N_rec"), reconstruction, AlignerAtol, $"{id}.aligner_N_rec");

        var losses = Aligner.Stage2Loss(m, Tensor(id, "target_clip_embed"), reconstruction, hidden, model.Config.Aligner.NumQueries);
        Check(Tensor(id, "mse_loss"), losses.MseLoss.reshape(1), 0, $"{id}.mse_loss", LossRtol);
        Check(Tensor(id, "rec_loss"), losses.RecLoss.reshape(1), 0, $"{id}.rec_loss", LossRtol);
        Check(Tensor(id, "loss"), losses.Loss.reshape(1), 0, $"{id}.loss", LossRtol);
    }
}
