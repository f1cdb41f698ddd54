using KosmosG.Training.Instruct;
using KosmosG.Training.StandIn;

namespace KosmosG.Training.Demo;

/// <summary>Step counts and data sizes of every stage. <see cref="Full"/> makes the shipped model; <see cref="Quick"/> is
/// the same recipe at a few steps a stage (tests, smoke runs).</summary>
public sealed record DemoRecipe
{
    public int Seed { get; init; }
    public VaeTrainingSettings Vae { get; init; } = new();
    /// <summary>Stage 0, the VAE's decoder fine-tuned on posterior means (SD's ft-MSE decoder): the VAE trained on
    /// sampled latents decodes colours and edges too softly (reconstructions judged 0.89). The encoder is untouched, so
    /// the U-Net and stage 3 see the same latents either way.</summary>
    public VaeTrainingSettings VaeDecoder { get; init; } = new() { Steps = 2000, BatchSize = 16, LearningRate = 5e-4, DecoderOnly = true };
    public TextToImageSettings TextToImage { get; init; } = new();
    /// <summary>Stage 0, further phases, each continuing the text encoder and U-Net: the high-noise timesteps at a lower
    /// LR, then all timesteps with the v objective (ε-prediction leaves the high-noise steps that decide layout and
    /// colour badly conditioned under this schedule, whose ᾱ at t = 999 is 4e-5).</summary>
    public IReadOnlyList<TextToImageSettings> TextToImageRefinements { get; init; } =
    [
        new() { Steps = 1800, LearningRate = 5e-4, WarmupSteps = 50, MinTimestep = 300 },
        new() { Steps = 8000, LearningRate = 5e-4, WarmupSteps = 100, PredictionType = "v_prediction" },
    ];
    /// <summary>Caption-image pairs for stages 0 and 1 (sampled scenes; the world has 1,890 distinct ones).</summary>
    public int ScenePairs { get; init; } = 20000;
    /// <summary>Stage 1 runs until the MLLM captions every subject right (token accuracy 1.00): after 400 steps it read
    /// colours but not shapes, and stage 3 cannot transfer a shape the MLLM does not see.</summary>
    public StageRun Lm { get; init; } = new(Steps: 4000, BatchSize: 32, Lr: 1e-3, Warmup: 50);
    public int AlignCaptions { get; init; } = 20000;
    /// <summary>Stage 2 runs until AlignerNet fits the text encoder closely (condition MSE 0.0007 on the world's captions;
    /// 0.012 after 400 steps): stage 3 starts from text that already lands right, and zero-shot subjects land nearer.</summary>
    public StageRun Align { get; init; } = new(Steps: 2000, BatchSize: 64, Lr: 1e-3, Warmup: 50);
    public int Compositions { get; init; } = 20000;
    public StageRun Instruct { get; init; } = new(Steps: 1200, BatchSize: 32, Lr: 3e-4, Warmup: 50);
    /// <summary>
    /// Stage-3 settings. Compositions always give the image in place of the words (the world's prompt form); targets
    /// are posterior means (the stand-in U-Net never saw this small VAE's posterior noise, std ~0.55); and the
    /// condition of a composition is also pulled towards the stand-in text encoder's output for its full caption
    /// (caption alignment, not in the official recipe: with 12 subject images the diffusion loss alone taught the
    /// colour of a zero-shot subject but not its shape).
    /// </summary>
    public InstructSettings InstructTuning { get; init; } = new() { DropEntityWord = 1, SampleLatents = false, CaptionAlignment = 10 };

    /// <summary>The published model's sampling defaults (generation_config.json). Guidance 2, not KOSMOS-G's 6: at 6
    /// the stand-in U-Net over-saturates and shifts colours (orange to red, blue to cyan); chosen on prompt sets other
    /// than the evaluated one (README "Demo model").</summary>
    public DemoSampling Sampling { get; init; } = new(Steps: 20, GuidanceScale: 2, Scheduler: "dpms");

    public static DemoRecipe Full { get; } = new();

    public static DemoRecipe Quick { get; } = new()
    {
        Vae = new VaeTrainingSettings { Steps = 3, BatchSize = 2, WarmupSteps = 1 },
        VaeDecoder = new VaeTrainingSettings { Steps = 2, BatchSize = 2, WarmupSteps = 1, DecoderOnly = true },
        TextToImage = new TextToImageSettings { Steps = 3, BatchSize = 4, WarmupSteps = 1 },
        TextToImageRefinements =
        [
            new TextToImageSettings { Steps = 2, BatchSize = 4, WarmupSteps = 1, MinTimestep = 300 },
            new TextToImageSettings { Steps = 2, BatchSize = 4, WarmupSteps = 1, PredictionType = "v_prediction" },
        ],
        ScenePairs = 64,
        Lm = new(Steps: 2, BatchSize: 4, Lr: 1e-3, Warmup: 1),
        AlignCaptions = 64,
        Align = new(Steps: 2, BatchSize: 4, Lr: 1e-3, Warmup: 1),
        Compositions = 64,
        Instruct = new(Steps: 2, BatchSize: 2, Lr: 1e-4, Warmup: 1),
    };
}

/// <summary>One KOSMOS-G stage run through the shared trainer.</summary>
public sealed record StageRun(int Steps, int BatchSize, double Lr, int Warmup);

public sealed record DemoSampling(int Steps, double GuidanceScale, string Scheduler);
