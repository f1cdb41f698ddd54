using System.Globalization;
using KosmosG.Models.Diffusion;
using KosmosG.Training.Adapters;
using KosmosG.Training.Checkpoints;
using KosmosG.Training.Loop;
using static TorchSharp.torch;

return TrainerHost.Main(args, "kosmosg-train-controlnet",
    "trains a ControlNet for the frozen U-Net of an SD v1.x or KOSMOS-G model on (image, control map, prompt) triples",
    AdapterCommandLine.Usage + """
          --init DIR           start from this diffusers ControlNet folder instead of the U-Net (diffusers' from_unet)
          --embedding C1,C2..  from_unet: widths of the control image embedding, one per halving down to the latent size
                               (default 16,32,96,256 for a VAE factor of 8, shortened for smaller factors)
        each checkpoint step-N/ is a diffusers ControlNet folder (config.json, diffusion_pytorch_model.safetensors):
        copy it to MODEL/controlnets/NAME/ and use --controlnet NAME
    """,
    [.. AdapterCommandLine.ValueFlags, "--init", "--embedding"], AdapterCommandLine.Switches,
    (cl, options, stop) =>
    {
        manual_seed(options.Seed);
        var settings = AdapterCommandLine.Settings(cl);
        var dtype = AdapterCommandLine.SaveDType(cl);
        var train = AdapterExample.ReadManifest(options.DataManifest, control: true);
        var val = TrainerHost.ReadOptional(options.ValidationManifest, p => AdapterExample.ReadManifest(p, control: true));
        var frozen = FrozenDiffusion.Load(cl.Required("--model"), options.Compute, settings);
        ControlNetModel controlNet;
        try
        {
            controlNet = cl.String("--init") is { } init
                ? ControlNetModel.Load(Path.Combine(init, "config.json"), Path.Combine(init, ControlNetFromUnet.WeightsFile))
                : ControlNetFromUnet.Create(frozen.Unet, Embedding(cl, frozen.VaeFactor));
        }
        catch
        {
            frozen.Dispose();
            throw;
        }
        using var objective = new ControlNetObjective(frozen, controlNet, options.Compute, settings);
        var config = ControlNetFromUnet.Config(frozen.UnetConfigPath, controlNet.Config);
        var content = new AdapterCheckpointContent((folder, masters) => ControlNetFromUnet.Save(folder, config, controlNet, masters, dtype));
        Console.WriteLine($"ControlNet: {train.Count} examples at {objective.Resolution}px, {objective.Trainable.Sum(p => p.Parameter.numel()):N0} parameters, " +
                          $"{options.Compute.Device} {options.Compute.DTypeName}");
        return new TrainingRunner<AdapterExample, AdapterBatch>(options, objective, train, val, content, Console.Out).Run(stop);
    });

static int[] Embedding(CommandLine cl, int vaeFactor)
{
    if (cl.String("--embedding") is not { } text) return ControlNetFromUnet.DefaultEmbedding(vaeFactor);
    var widths = text.Split(',').Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : -1).ToArray();
    if (widths.Any(w => w < 0) || widths.Length != 1 + (int)Math.Log2(vaeFactor))
        throw new UsageException($"--embedding must be {1 + (int)Math.Log2(vaeFactor)} positive widths (one per halving of the image to the latent size), got '{text}'");
    return widths;
}
