using KosmosG.Training.StandIn;

namespace KosmosG.Training.Demo;

/// <summary>Step counts and data sizes of every stage. <see cref="Full"/> makes the shipped model; <see cref="Quick"/> is
/// the same recipe at a few steps a stage (tests, smoke runs).</summary>
public sealed record DemoRecipe
{
    public int Seed { get; init; }
    public VaeTrainingSettings Vae { get; init; } = new();
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
    public StageRun Lm { get; init; } = new(Steps: 400, BatchSize: 32, Lr: 1e-3, Warmup: 50);
    public int AlignCaptions { get; init; } = 20000;
    public StageRun Align { get; init; } = new(Steps: 400, BatchSize: 64, Lr: 1e-3, Warmup: 50);
    public int Compositions { get; init; } = 20000;
    public StageRun Instruct { get; init; } = new(Steps: 1200, BatchSize: 32, Lr: 3e-4, Warmup: 50);

    public static DemoRecipe Full { get; } = new();

    public static DemoRecipe Quick { get; } = new()
    {
        Vae = new VaeTrainingSettings { Steps = 3, BatchSize = 2, WarmupSteps = 1 },
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
