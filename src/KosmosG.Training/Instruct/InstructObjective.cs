using KosmosG.Imaging;
using KosmosG.Models.Diffusion;
using KosmosG.Models.Kosmos;
using KosmosG.Pipelines;
using KosmosG.Schedulers;
using KosmosG.Tokenizers;
using KosmosG.Training.Alignment;
using KosmosG.Training.Data;
using KosmosG.Training.Loop;
using KosmosG.Training.Optimization;
using KosmosG.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace KosmosG.Training.Instruct;

/// <summary>Stage-3 knobs (official values by default).</summary>
public sealed record InstructSettings
{
    /// <summary>Probability that an example's condition is replaced by the unconditional one (official 0.1).</summary>
    public double ConditionDropout { get; init; } = 0.1;
    /// <summary>Edit examples: probability of dropping the input caption (official --random-drop-caption-prob 0.5).</summary>
    public double DropCaption { get; init; } = 0.5;
    /// <summary>Compositions: probability of dropping an entity's own words (official 0.5).</summary>
    public double DropEntityWord { get; init; } = 0.5;
    /// <summary>Target image side; null = the U-Net's sample size x the VAE factor (512 for SD v1.5).</summary>
    public int? Resolution { get; init; }
    /// <summary>Targets are a sample of the VAE posterior (official latent_dist.sample(): SD's VAE has a posterior
    /// std near 0, so it is the mean in all but name). False takes the mean, for a U-Net trained on posterior means,
    /// like the demo's stand-in, whose small VAE keeps a posterior std of about 0.5 its U-Net never saw.</summary>
    public bool SampleLatents { get; init; } = true;
    /// <summary>Weight of a caption-alignment term added to the diffusion loss (0, the official recipe, leaves it out):
    /// the MSE between the condition of an example whose target caption is known (captions, compositions) and the SD
    /// text encoder's output for that caption, i.e. stage 2's target on prompts whose entities are images. It tells the
    /// MLLM that an image stands for the words it replaces, which the diffusion loss alone conveys only through the U-Net.</summary>
    public double CaptionAlignment { get; init; }
    /// <summary>How many of the vision tower's last blocks train, with ln_post (official 1, i.e. resblocks.23 of 24);
    /// 0 freezes the tower. A small tower is mostly its last block, which 12 subject images would re-fit.</summary>
    public int TrainedVisionBlocks { get; init; } = 1;
}

/// <summary>
/// Stage 3 (instruction tuning): the MLLM, connector, AlignerNet M and the vision tower's last block(s) and ln_post
/// train through the diffusion loss of the frozen SD U-Net; the rest of the vision tower and the U-Net/VAE are
/// frozen (requires_grad false, not in the optimizer).
/// </summary>
public sealed class InstructObjective : IKosmosGObjective<InstructExample, InstructBatch>
{
    readonly UNet2DConditionModel _unet;
    readonly AutoencoderKL _vae;
    readonly DDPMScheduler _noise;
    readonly KosmosGPromptBuilder _prompts;
    readonly ClipImagePreprocessor _entityPreprocessor;
    readonly ClipImagePreprocessor _targetPreprocessor;
    readonly ManifestImages _images = new();
    readonly ComputeOptions _compute;
    readonly InstructSettings _settings;
    readonly ClipTextTargets? _captions;

    public InstructObjective(KosmosGModel model, UNet2DConditionModel unet, AutoencoderKL vae, DDPMScheduler noise,
        KosmosGPromptBuilder prompts, ComputeOptions compute, InstructSettings settings, ClipTextTargets? captions = null)
    {
        if ((settings.CaptionAlignment > 0) != (captions is not null))
            throw new ArgumentException("caption alignment needs the SD text encoder as its target, and only it does", nameof(captions));
        if (captions is not null && captions.Length != model.Config.Aligner.NumQueries)
            throw new ArgumentException($"the text encoder gives {captions.Length} positions but AlignerNet {model.Config.Aligner.NumQueries}", nameof(captions));
        if (settings.TrainedVisionBlocks < 0 || settings.TrainedVisionBlocks > model.Config.Vision.Layers)
            throw new ArgumentOutOfRangeException(nameof(settings), $"TrainedVisionBlocks {settings.TrainedVisionBlocks}: the vision tower has {model.Config.Vision.Layers} blocks");
        Model = model;
        _unet = unet;
        _vae = vae;
        _noise = noise;
        _prompts = prompts;
        _compute = compute;
        _settings = settings;
        _captions = captions;
        Resolution = settings.Resolution ?? (unet.Config.SampleSize is int sample ? sample * (1 << (vae.Config.BlockOutChannels.Length - 1))
            : throw new ArgumentException("the U-Net config has no sample_size: pass the training resolution explicitly"));
        _entityPreprocessor = model.Config.Vision.CreatePreprocessor();
        // Official target transform: Resize(R), CenterCrop(R), normalise to [-1, 1] (mean = std = 0.5).
        _targetPreprocessor = new ClipImagePreprocessor(Resolution, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]);
        model.to(compute.Device, compute.DType);
        unet.to(compute.Device, compute.DType).eval();
        vae.to(compute.Device, compute.DType == ScalarType.Float16 ? ScalarType.Float32 : compute.DType).eval();
        TrainableParameters.FreezeAll(unet);
        TrainableParameters.FreezeAll(vae);
        Trainable = TrainableParameters.Select(model, name => IsTrainable(name, model.Config.Vision.Layers, settings));
    }

    public string Stage => "instruct";
    public KosmosGModel Model { get; }
    public IReadOnlyList<NamedParameter> Trainable { get; }
    public int Resolution { get; }

    /// <summary>Official stage 3: everything but the vision tower trains, plus its last block and ln_post (--no-freeze-layer
    /// resblocks.23,ln_post); <see cref="InstructSettings.TrainedVisionBlocks"/> sets how many blocks.</summary>
    public static bool IsTrainable(string name, int visionLayers, InstructSettings settings)
    {
        const string blocks = "img_model.visual.transformer.resblocks.";
        if (!name.StartsWith("img_model.", StringComparison.Ordinal)) return true;
        if (settings.TrainedVisionBlocks == 0) return false;
        if (name.StartsWith("img_model.visual.ln_post.", StringComparison.Ordinal)) return true;
        return name.StartsWith(blocks, StringComparison.Ordinal)
               && int.Parse(name.AsSpan(blocks.Length, name.IndexOf('.', blocks.Length) - blocks.Length)) >= visionLayers - settings.TrainedVisionBlocks;
    }

    /// <summary>Loads a KOSMOS-G model folder (a stage-2 output or a converted checkpoint) and the frozen SD parts from <paramref name="sdDir"/>.</summary>
    public static InstructObjective Load(string modelDir, string sdDir, ComputeOptions compute, InstructSettings settings)
    {
        var folder = KosmosGModelFolder.Open(modelDir);
        var config = KosmosGConfig.Load(folder.ConfigPath);
        var model = KosmosGModel.Load(config, folder.WeightsPath);
        var sd = DiffusersFolder.Open(sdDir);
        var unet = UNet2DConditionModel.Load(sd.ConfigPath("unet"), sd.WeightsPath("unet"));
        var vae = AutoencoderKL.Load(sd.ConfigPath("vae"), sd.WeightsPath("vae"));
        var noise = new DDPMScheduler(SchedulerConfig.Load(sd.ConfigPath("scheduler")));
        var prompts = folder.PromptBuilder(config, maxImages: int.MaxValue);
        var captions = settings.CaptionAlignment > 0 ? ClipTextTargets.Load(sdDir, compute) : null;
        return new InstructObjective(model, unet, vae, noise, prompts, compute, settings, captions);
    }

    public InstructBatch Build(IReadOnlyList<InstructExample> examples, IReadOnlyList<Random> random)
    {
        var tokens = new long[examples.Count][];
        var masks = new bool[examples.Count][];
        var entities = new List<float[]>();
        var targets = new float[examples.Count][];
        var captionRows = new List<long>();
        var captionIds = new List<long>();
        for (var i = 0; i < examples.Count; i++)
        {
            var example = examples[i];
            var (prompt, images) = example.Realize(random[i], _settings.DropEntityWord, _settings.DropCaption);
            try
            {
                var built = _prompts.Build(prompt, images.Count);
                tokens[i] = built.Tokens;
                masks[i] = built.ImageMask;
            }
            catch (PromptException e) { throw new InvalidDataException($"manifest line {example.Line}: {e.Message}", e); }
            foreach (var path in images) entities.Add(_images.Pixels(_entityPreprocessor, path, example.Line));
            targets[i] = _images.Pixels(_targetPreprocessor, example.TargetPath, example.Line);
            if (_captions is not null && example.TargetCaption is string caption)
            {
                captionRows.Add(i);
                captionIds.AddRange(_captions.Encode(caption));
            }
        }
        return new InstructBatch(tokens, masks, [.. entities], _entityPreprocessor.Size, targets, Resolution, [.. captionRows], [.. captionIds]);
    }

    public int Count(InstructBatch batch) => batch.Count;

    public ObjectiveOutput Forward(InstructBatch batch, Generator generator)
    {
        var device = _compute.Device;
        var dtype = _compute.DType;
        var n = batch.Count;
        // Random draws in a fixed order from the per-update generator: dropout, VAE sample, noise, timesteps.
        var drop = rand(n, generator: generator).lt(_settings.ConditionDropout);

        var (tokens, mask) = _prompts.Pad(batch.Tokens.Select((t, i) => new PromptTokens(t, batch.ImageMasks[i])).ToList());
        var pixels = batch.EntityPixels.Length == 0 ? null
            : ManifestImages.Stack(batch.EntityPixels, batch.EntitySize).to(dtype, device);
        var prompted = Model.EncodePrompt(tokens.to(device), pixels is null ? null : mask.to(device), pixels);
        var condition = prompted;
        if (drop.any().item<bool>())
        {
            var uncond = Model.EncodeUnconditional();
            condition = where(drop.to(device).view(n, 1, 1), uncond.expand_as(condition), condition);
        }

        Tensor latents;
        using (no_grad())
        {
            var target = ManifestImages.Stack(batch.TargetPixels, batch.Resolution).to(_vae.parameters().First().dtype, device);
            latents = EncodeLatents(_vae, target, generator, _settings.SampleLatents);
        }
        var noise = randn(latents.shape, generator: generator).to(device);
        var timesteps = randint(0, _noise.NumTrainTimesteps, [n], generator: generator).to(device);
        var loss = DiffusionLoss.Compute(_unet, _noise, latents, noise, timesteps, condition);
        var metrics = new Dictionary<string, double> { ["uncond_fraction"] = drop.to(ScalarType.Float32).mean().item<float>() };
        if (_captions is not null && batch.CaptionRows.Length > 0)
        {
            // The prompt's own condition, whether or not CFG dropout replaced it for the diffusion loss; float32 MSE,
            // equal-sized rows, so the mean over all elements is the mean of the per-example MSEs.
            using var rows = tensor(batch.CaptionRows, device: device);
            var target = _captions.Forward(batch.CaptionIds, batch.CaptionRows.Length);
            var alignment = (prompted.index_select(0, rows).to(ScalarType.Float32) - target.to(ScalarType.Float32)).square().mean();
            metrics["caption_mse"] = alignment.item<float>();
            loss = loss + _settings.CaptionAlignment * alignment;
        }
        return new ObjectiveOutput(loss, metrics);
    }

    /// <summary>VAE latent_dist.sample() (or its mean) x scaling factor (0.18215 for SD v1.5), float32. The sample's
    /// noise is drawn on the CPU generator either way, so the draws after it are the same in both modes.</summary>
    public static Tensor EncodeLatents(AutoencoderKL vae, Tensor images, Generator generator, bool sample)
    {
        var posterior = vae.Encode(images);
        var eps = randn(posterior.Mean.shape, generator: generator).to(posterior.Mean.device);
        var latents = sample ? posterior.Mean.to(ScalarType.Float32) + posterior.Std.to(ScalarType.Float32) * eps : posterior.Mean.to(ScalarType.Float32);
        return latents * vae.Config.ScalingFactor;
    }

    public void Dispose()
    {
        _captions?.Dispose();
        _noise.Dispose();
        _vae.Dispose();
        _unet.Dispose();
        Model.Dispose();
    }
}
