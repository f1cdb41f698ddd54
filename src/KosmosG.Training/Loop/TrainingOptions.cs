using System.Globalization;
using KosmosG.Pipelines;
using KosmosG.Training.Optimization;
using static TorchSharp.torch;

namespace KosmosG.Training.Loop;

/// <summary>The flags both trainers share (see <see cref="Usage"/>); defaults follow the official recipe where it has one.</summary>
public sealed record TrainingOptions
{
    public required string ModelDir { get; init; }
    public required string DataManifest { get; init; }
    public string? ValidationManifest { get; init; }
    public required string OutputDir { get; init; }
    public long Steps { get; init; }
    public int BatchSize { get; init; }
    public int GradAccum { get; init; } = 1;
    public double Lr { get; init; } = 1e-3;
    public double EndLr { get; init; }
    public int Warmup { get; init; } = 375;
    public int Seed { get; init; }
    public string? Resume { get; init; }
    public ComputeOptions Compute { get; init; } = ComputeOptions.Cpu;
    public OptimizerSettings Optimizer { get; init; } = new();
    public long SaveEvery { get; init; } = 2000;
    public long EvalEvery { get; init; }
    public int EvalBatches { get; init; }
    public int LogEvery { get; init; } = 10;
    public int Keep { get; init; } = 3;
    public int Prefetch { get; init; } = 4;
    public int? Threads { get; init; }

    public static readonly string[] ValueFlags =
    [
        "--model", "--data", "--val", "--out", "--steps", "--batch-size", "--grad-accum", "--lr", "--end-lr", "--warmup", "--seed",
        "--resume", "--dtype", "--device", "--save-every", "--eval-every", "--eval-batches", "--log-every", "--keep", "--prefetch",
        "--threads", "--weight-decay", "--clip-norm", "--adam-betas", "--adam-eps", "--fp16-init-scale",
    ];

    public static readonly string[] Switches = ["--no-decay-bias-norm"];

    public const string Usage = """
          --model DIR          KOSMOS-G model folder to start from (config.json, model.safetensors, sentencepiece.bpe.model,
                               dict.txt, sd/). Ignored with --resume (the checkpoint is the model).
          --data FILE          training manifest (JSONL; paths relative to the manifest)
          --val FILE           validation manifest (optional; evaluated every --eval-every updates)
          --out DIR            output folder: step-NNNNNNN/ checkpoints (each a model folder), latest.txt, metrics.jsonl
          --steps N            optimizer updates to run in total (also the polynomial-decay horizon)
          --batch-size N       examples per micro-batch
          --grad-accum N       micro-batches per update (default 1); examples per update = batch-size x grad-accum
          --lr X               peak learning rate (default 1e-3, official)
          --end-lr X           final learning rate of the polynomial decay (default 0)
          --warmup N           linear warm-up updates (default 375, official)
          --seed N             seed of data order, augmentations, noise and timesteps (default 0)
          --resume PATH        continue from a checkpoint folder, or from the latest checkpoint of an --out folder
          --dtype fp32|bf16|fp16  compute precision (default fp32); bf16/fp16 keep fp32 master weights, fp16 adds
                               dynamic loss scaling (official: fp16, init scale 4, window 256)
          --device NAME        cpu, cuda or cuda:N (default cpu)
          --save-every N       checkpoint every N updates (default 2000); one is always written at the end and on Ctrl-C
          --eval-every N       validation every N updates (default 0 = only at the end when --val is given)
          --eval-batches N     validation micro-batches per evaluation (default 0 = the whole validation set)
          --log-every N        print progress every N updates (default 10); every update is logged to metrics.jsonl
          --keep N             checkpoints to keep (default 3, 0 = all)
          --prefetch N         batches prepared ahead on a background thread (default 4)
          --threads N          torch CPU threads of the training thread
          --weight-decay X     AdamW decoupled weight decay (default 0.01)
          --no-decay-bias-norm do not decay biases and norm weights (the official recipe decays every parameter)
          --clip-norm X        clip the total gradient norm (default 2.0; 0 = off)
          --adam-betas B1,B2   default 0.9,0.98
          --adam-eps X         default 1e-6
          --fp16-init-scale X  initial fp16 loss scale (default 4)
        """;

    public double Fp16InitScale { get; init; } = 4;

    public static TrainingOptions Parse(CommandLine cl)
    {
        var resume = cl.String("--resume");
        var betas = (cl.String("--adam-betas") ?? "0.9,0.98").Split(',');
        if (betas.Length != 2 || !double.TryParse(betas[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var b1)
                              || !double.TryParse(betas[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var b2)
                              || b1 is < 0 or >= 1 || b2 is < 0 or >= 1)
            throw new UsageException($"--adam-betas must be two numbers in [0, 1) separated by a comma, got '{cl.String("--adam-betas")}'");
        ComputeOptions compute;
        try { compute = ComputeOptions.Parse(cl.String("--device") ?? "cpu", cl.Choice("--dtype", "fp32", "fp32", "bf16", "fp16")); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
        return new TrainingOptions
        {
            ModelDir = resume is null ? cl.Required("--model") : cl.String("--model") ?? "",
            DataManifest = cl.Required("--data"),
            ValidationManifest = cl.String("--val"),
            OutputDir = cl.Required("--out"),
            Steps = cl.Int("--steps", -1, min: 1) is var s && s > 0 ? s : throw new UsageException("--steps is required"),
            BatchSize = cl.Int("--batch-size", -1, min: 1) is var b && b > 0 ? b : throw new UsageException("--batch-size is required"),
            GradAccum = cl.Int("--grad-accum", 1, min: 1),
            Lr = cl.Double("--lr", 1e-3, min: 0),
            EndLr = cl.Double("--end-lr", 0, min: 0),
            Warmup = cl.Int("--warmup", 375, min: 0),
            Seed = cl.Int("--seed", 0, min: 0),
            Resume = resume,
            Compute = compute,
            Optimizer = new OptimizerSettings
            {
                Beta1 = b1,
                Beta2 = b2,
                Eps = cl.Double("--adam-eps", 1e-6, min: 0),
                WeightDecay = cl.Double("--weight-decay", 0.01, min: 0),
                ClipNorm = cl.Double("--clip-norm", 2.0, min: 0),
                NoDecayOnBiasAndNorm = cl.Switch("--no-decay-bias-norm"),
            },
            SaveEvery = cl.Int("--save-every", 2000, min: 1),
            EvalEvery = cl.Int("--eval-every", 0, min: 0),
            EvalBatches = cl.Int("--eval-batches", 0, min: 0),
            LogEvery = cl.Int("--log-every", 10, min: 1),
            Keep = cl.Int("--keep", 3, min: 0),
            Prefetch = cl.Int("--prefetch", 4, min: 1),
            Threads = cl.String("--threads") is null ? null : cl.Int("--threads", 1, min: 1),
            Fp16InitScale = cl.Double("--fp16-init-scale", 4, min: 1e-4),
        };
    }

    /// <summary>Settings that must not change across a resume for it to be exact (stored in the checkpoint).</summary>
    public Dictionary<string, string> ResumeSettings() => new()
    {
        ["batch_size"] = BatchSize.ToString(CultureInfo.InvariantCulture),
        ["grad_accum"] = GradAccum.ToString(CultureInfo.InvariantCulture),
        ["steps"] = Steps.ToString(CultureInfo.InvariantCulture),
        ["lr"] = Lr.ToString("R", CultureInfo.InvariantCulture),
        ["end_lr"] = EndLr.ToString("R", CultureInfo.InvariantCulture),
        ["warmup"] = Warmup.ToString(CultureInfo.InvariantCulture),
        ["seed"] = Seed.ToString(CultureInfo.InvariantCulture),
        ["dtype"] = Compute.DTypeName,
        ["data"] = Path.GetFullPath(DataManifest),
    };

    public PolynomialDecaySchedule Schedule => new(Lr, Warmup, Steps, EndLr);

    public DynamicLossScaler? CreateLossScaler() => Compute.DType == ScalarType.Float16 ? new DynamicLossScaler(Fp16InitScale) : null;
}
