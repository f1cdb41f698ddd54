using KosmosG.Training.Loop;
using static TorchSharp.torch;

namespace KosmosG.Training.Adapters;

/// <summary>The flags both adapter trainers add to the shared ones.</summary>
public static class AdapterCommandLine
{
    public const string Usage = """
          --model DIR          the base model (required, also with --resume): a KOSMOS-G folder (conditions from KOSMOS-G,
                               prompts may hold <i> subject images) or an SD v1.x diffusers folder (CLIP text conditions)
          --cfg-dropout P      probability of training on the unconditional condition (default 0.1)
          --drop-entity-word P KOSMOS-G compositions: probability of replacing an entity's words by its image (default 0.5)
          --resolution N       target image side (default: U-Net sample size x VAE factor, i.e. 512 for SD v1.5)
          --latent-mean        train on VAE posterior means instead of samples (U-Nets trained on means, like the demo's)
          --save-dtype fp32|fp16  dtype of the written adapter (default fp32; resumes always use the fp32 masters)
          --timesteps uniform|cubic  training timesteps uniform (default) or biased to high noise, t = (1 - u^3) T
                               (T2I-Adapter; for control maps, which decide the layout early in sampling)
          --mask-background-weight W  loss weight outside a line's "mask" image (inside: 1; default 0 = only the
                               masked part trains, kohya's masked loss); lines without "mask" train everywhere
        """;

    public static readonly string[] ValueFlags = ["--cfg-dropout", "--drop-entity-word", "--resolution", "--save-dtype", "--timesteps", "--mask-background-weight"];
    public static readonly string[] Switches = ["--latent-mean"];

    public static AdapterSettings Settings(CommandLine cl) => new()
    {
        ConditionDropout = cl.Double("--cfg-dropout", 0.1, 0, 1),
        DropEntityWord = cl.Double("--drop-entity-word", 0.5, 0, 1),
        Resolution = cl.String("--resolution") is null ? null : cl.Int("--resolution", 512, min: 8),
        SampleLatents = !cl.Switch("--latent-mean"),
        Timesteps = cl.Choice("--timesteps", "uniform", "uniform", "cubic") == "cubic" ? TimestepSampling.Cubic : TimestepSampling.Uniform,
        MaskBackgroundWeight = cl.Double("--mask-background-weight", 0, 0, 1),
    };

    public static ScalarType SaveDType(CommandLine cl) => cl.Choice("--save-dtype", "fp32", "fp32", "fp16") == "fp16" ? ScalarType.Float16 : ScalarType.Float32;
}
