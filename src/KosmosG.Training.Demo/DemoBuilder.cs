using TorchSharp;
using KosmosG.Models.Clip;
using KosmosG.Models.Diffusion;
using KosmosG.Models.Kosmos;
using KosmosG.Pipelines;
using KosmosG.Schedulers;
using KosmosG.Tokenizers;
using KosmosG.ToyWorld;
using KosmosG.Training.Alignment;
using KosmosG.Training.Checkpoints;
using KosmosG.Training.Data;
using KosmosG.Training.Instruct;
using KosmosG.Training.Language;
using KosmosG.Training.Loop;
using KosmosG.Training.Reporting;
using KosmosG.Training.StandIn;
using KosmosG.Training.Vocabulary;
using static TorchSharp.torch;

namespace KosmosG.Training.Demo;

/// <summary>
/// The demo recipe, stage by stage, in a work folder: data manifests (data/), the stage-0 VAE (stage0-vae/) and the
/// whole stand-in SD folder (stage0-sd/), then stages 1-3 as checkpoint folders of the shared trainer. A finished stage
/// is skipped and an interrupted stage resumes from its latest checkpoint (stage-0 text-to-image phases from NAME.resume/),
/// so a stopped build continues where it stopped.
/// </summary>
public sealed class DemoBuilder(DemoRecipe recipe, string workDir, string configsDir, ComputeOptions compute, TextWriter log)
{
    const string DiffusersWeights = "diffusion_pytorch_model.safetensors";

    string Work(string name) => Path.Combine(workDir, name);
    string Config(string relative) => Path.Combine(configsDir, relative);

    /// <summary>Builds the model into <paramref name="outputDir"/>; a libtorch error reruns the build, which continues
    /// from the last checkpoint.</summary>
    public string Build(string outputDir, CancellationToken stop) => NativeErrorRetry.Run(() => BuildOnce(outputDir, stop), NativeErrorRetry.DefaultAttempts, log, stop);

    string BuildOnce(string outputDir, CancellationToken stop)
    {
        Directory.CreateDirectory(workDir);
        var data = WriteData();
        var sd = BuildStandIn(data.Scenes, stop);
        var init = Work("stage1-init");
        if (!File.Exists(Path.Combine(init, KosmosGModelFolder.WeightsFile)))
        {
            if (Directory.Exists(init)) Directory.Delete(init, recursive: true);
            var words = WordList.FromTexts(LmExample.ReadManifest(data.Scenes).Select(e => e.Caption));
            InitialModelFolder.Create(init, KosmosGConfig.Load(Config("kosmosg.json")), words, sd, recipe.Seed);
        }
        var lm = RunStage("stage1-lm", init, data.Scenes, recipe.Lm, stop, (folder, options) =>
        {
            using var objective = LmObjective.Load(folder.Root, compute);
            return new TrainingRunner<LmExample, LmBatch>(options, objective, LmExample.ReadManifest(data.Scenes), null, folder, log).Run(stop);
        });
        var align = RunStage("stage2-align", lm, data.Captions, recipe.Align, stop, (folder, options) =>
        {
            using var objective = AlignmentObjective.Load(folder.Root, folder.StableDiffusionDir, compute, reinitAligner: false, log);
            return new TrainingRunner<CaptionExample, CaptionBatch>(options, objective, CaptionExample.ReadManifest(data.Captions), null, folder, log).Run(stop);
        });
        var instruct = RunStage("stage3-instruct", align, data.Compositions, recipe.Instruct, stop, (folder, options) =>
        {
            using var objective = InstructObjective.Load(folder.Root, folder.StableDiffusionDir, compute, recipe.InstructTuning);
            return new TrainingRunner<InstructExample, InstructBatch>(options, objective, InstructExample.ReadManifest(data.Compositions), null, folder, log).Run(stop);
        });
        DemoPublisher.Publish(instruct, outputDir, recipe.Sampling);
        return outputDir;
    }

    sealed record DataManifests(string Scenes, string Captions, string Compositions);

    /// <summary>The manifests of every stage (JSONL + PNG, the format users prepare): scene-caption pairs for stages
    /// 0 and 1, captions for stage 2, compositions (caption + image-given entities) without zero-shot subject images for stage 3.</summary>
    DataManifests WriteData()
    {
        var dir = Work("data");
        var result = new DataManifests(Path.Combine(dir, "scenes.jsonl"), Path.Combine(dir, "captions.jsonl"), Path.Combine(dir, "compositions.jsonl"));
        if (File.Exists(result.Compositions)) return result;
        log.WriteLine($"data: {recipe.ScenePairs} scene pairs, {recipe.AlignCaptions} captions, {recipe.Compositions} compositions -> {dir}");
        ToyDatasetWriter.WriteScenes(result.Scenes, ToyWorldSets.SceneSamples(recipe.ScenePairs, recipe.Seed));
        ToyDatasetWriter.WriteCaptions(result.Captions, ToyWorldSets.CaptionSamples(recipe.AlignCaptions, recipe.Seed + 1));
        ToyDatasetWriter.WriteCompositions(result.Compositions + ".partial", ToyWorldSets.Compositions(recipe.Compositions, recipe.Seed + 2));
        File.Move(result.Compositions + ".partial", result.Compositions);
        return result;
    }

    /// <summary>
    /// Stage 0: the VAE on the scene images (stage0-vae/), then its decoder alone (stage0-vae-decoder/); the CLIP-like
    /// text encoder and U-Net trained together on caption-latent pairs (stage0-base/); then further phases of both
    /// (stage0-refine-N/, the last one stage0-sd/, the stand-in every later stage uses).
    /// </summary>
    string BuildStandIn(string scenesManifest, CancellationToken stop)
    {
        var sd = Work("stage0-sd");
        if (File.Exists(Path.Combine(sd, "model_index.json"))) return sd;
        var examples = LmExample.ReadManifest(scenesManifest);
        using var data = StandInData.Load(examples);
        var vaeDir = FineTuneVaeDecoder(data, TrainVae(data, stop), stop);
        var baseDir = Work("stage0-base");
        if (!File.Exists(Path.Combine(baseDir, "model_index.json"))) TrainTextToImage(examples, data, vaeDir, baseDir, stop);
        var previous = baseDir;
        for (var phase = 1; phase <= recipe.TextToImageRefinements.Count; phase++)
        {
            var output = phase == recipe.TextToImageRefinements.Count ? sd : Work($"stage0-refine-{phase}");
            if (!File.Exists(Path.Combine(output, "model_index.json")))
                Refine(data, previous, output, recipe.TextToImageRefinements[phase - 1] with { Seed = recipe.Seed + phase }, phase, stop);
            previous = output;
        }
        return sd;
    }

    string TrainVae(StandInData data, CancellationToken stop)
    {
        var vaeDir = Work("stage0-vae");
        if (File.Exists(Path.Combine(vaeDir, "vae", DiffusersWeights))) return vaeDir;
        log.WriteLine($"stage 0: VAE on {data.Images.shape[0]} distinct images, {recipe.Vae.Steps} steps");
        manual_seed(recipe.Seed);
        var vaeConfig = StandInFolder.ReadConfig(Config("sd/vae/config.json"));
        using var training = new AutoencoderKL(AutoencoderKLConfig.Parse(vaeConfig.ToJsonString()));
        training.to(compute.Device, compute.DType);
        using (var reporter = new ProgressReporter(log, Work("stage0-vae.metrics.jsonl"), recipe.Vae.Steps))
            VaeTraining.Train(training, data.Images, recipe.Vae with { Seed = recipe.Seed }, reporter, stop);
        vaeConfig["scaling_factor"] = VaeTraining.ScalingFactor(training, data.Images);
        StagingFolder.Write(vaeDir, partial => StandInFolder.WriteComponent(partial, "vae", vaeConfig, training, DiffusersWeights));
        return vaeDir;
    }

    /// <summary>The VAE of <paramref name="vaeDir"/> with its decoder fine-tuned (stage0-vae-decoder/).</summary>
    string FineTuneVaeDecoder(StandInData data, string vaeDir, CancellationToken stop)
    {
        var output = Work("stage0-vae-decoder");
        if (File.Exists(Path.Combine(output, "vae", DiffusersWeights))) return output;
        log.WriteLine($"stage 0: VAE decoder on posterior means, {recipe.VaeDecoder.Steps} steps");
        var config = Path.Combine(vaeDir, "vae", "config.json");
        using var vae = AutoencoderKL.Load(config, Path.Combine(vaeDir, "vae", DiffusersWeights), compute.Device, compute.DType);
        using (var reporter = new ProgressReporter(log, Work("stage0-vae-decoder.metrics.jsonl"), recipe.VaeDecoder.Steps))
            VaeTraining.Train(vae, data.Images, recipe.VaeDecoder with { Seed = recipe.Seed }, reporter, stop);
        StagingFolder.Write(output, partial => StandInFolder.WriteComponent(partial, "vae", StandInFolder.ReadConfig(config), vae, DiffusersWeights));
        return output;
    }

    void TrainTextToImage(IReadOnlyList<LmExample> examples, StandInData data, string vaeDir, string output, CancellationToken stop) =>
        WritePhase(output, (partial, resume) => TrainTextToImageInto(partial, resume, examples, data, vaeDir, stop));

    /// <summary>A text-to-image phase writes its folder through a staging folder and keeps its resumable state beside
    /// it (NAME.resume) until the folder is complete: a stopped phase continues from its last save.</summary>
    static void WritePhase(string output, Action<string, string> write)
    {
        var resume = Path.GetFullPath(output).TrimEnd('/') + ".resume";
        StagingFolder.Write(output, partial => write(partial, resume));
        if (Directory.Exists(resume)) Directory.Delete(resume, recursive: true);
    }

    void TrainTextToImageInto(string partial, string resume, IReadOnlyList<LmExample> examples, StandInData data, string vaeDir, CancellationToken stop)
    {
        using var vae = AutoencoderKL.Load(Path.Combine(vaeDir, "vae", "config.json"), Path.Combine(vaeDir, "vae", DiffusersWeights), compute.Device, compute.DType);
        var words = WordList.FromTexts(examples.Select(e => e.Caption));
        var vocabSize = ClipVocabularyWriter.Write(Path.Combine(partial, "tokenizer"), words);
        // model_max_length: the context the text encoder is trained at (the world's captions need far fewer than 77).
        File.Copy(Config("sd/tokenizer/tokenizer_config.json"), Path.Combine(partial, "tokenizer", "tokenizer_config.json"));
        var tokenizer = ClipTokenizer.FromFolder(Path.Combine(partial, "tokenizer"));
        var textConfig = StandInFolder.ReadConfig(Config("sd/text_encoder/config.json"));
        textConfig["vocab_size"] = vocabSize;
        StandInFolder.WriteComponent(partial, "text_encoder", textConfig, null, "");
        var unetConfig = StandInFolder.ReadConfig(Config("sd/unet/config.json"));
        var schedulerConfig = StandInFolder.ReadConfig(Config("sd/scheduler/scheduler_config.json"));
        StandInFolder.WriteComponent(partial, "scheduler", schedulerConfig, null, "", "scheduler_config.json");
        manual_seed(recipe.Seed + 1);
        using var textEncoder = new CLIPTextModel(CLIPTextConfig.Load(Path.Combine(partial, "text_encoder", "config.json")));
        using var unet = new UNet2DConditionModel(UNet2DConditionConfig.Parse(unetConfig.ToJsonString()));
        textEncoder.to(compute.Device, compute.DType);
        unet.to(compute.Device, compute.DType);
        using var noise = new DDPMScheduler(SchedulerConfig.Load(Path.Combine(partial, "scheduler", "scheduler_config.json")));
        log.WriteLine($"stage 0: text encoder ({Count(textEncoder):N0} parameters, {vocabSize} tokens) and U-Net ({Count(unet):N0}), {recipe.TextToImage.Steps} steps");
        using (var reporter = new ProgressReporter(log, Work("stage0-t2i.metrics.jsonl"), recipe.TextToImage.Steps))
            TextToImageTraining.Train(textEncoder, unet, tokenizer, noise, vae, data, recipe.TextToImage with { Seed = recipe.Seed }, reporter, stop, resume);
        StandInFolder.WriteComponent(partial, "text_encoder", textConfig, textEncoder, "model.safetensors");
        StandInFolder.WriteComponent(partial, "unet", unetConfig, unet, DiffusersWeights);
        CheckpointStore.CopyDirectory(Path.Combine(vaeDir, "vae"), Path.Combine(partial, "vae"));
        StandInFolder.WriteModelIndex(partial, schedulerConfig["_class_name"]!.GetValue<string>());
    }

    /// <summary>A refinement phase: continues the text encoder and U-Net of <paramref name="baseDir"/> into <paramref name="output"/>.</summary>
    void Refine(StandInData data, string baseDir, string output, TextToImageSettings settings, int phase, CancellationToken stop) =>
        WritePhase(output, (partial, resume) => RefineInto(partial, resume, data, baseDir, settings, phase, stop));

    void RefineInto(string partial, string resume, StandInData data, string baseDir, TextToImageSettings settings, int phase, CancellationToken stop)
    {
        CheckpointStore.CopyDirectory(baseDir, partial);
        string Component(string name, string file) => Path.Combine(partial, name, file);
        using var vae = AutoencoderKL.Load(Component("vae", "config.json"), Component("vae", DiffusersWeights), compute.Device, compute.DType);
        using var textEncoder = CLIPTextModel.Load(Component("text_encoder", "config.json"), Component("text_encoder", "model.safetensors"), compute.Device, compute.DType);
        using var unet = UNet2DConditionModel.Load(Component("unet", "config.json"), Component("unet", DiffusersWeights), compute.Device, compute.DType);
        if (settings.PredictionType is not null)
        {
            var schedulerConfig = StandInFolder.ReadConfig(Component("scheduler", "scheduler_config.json"));
            schedulerConfig["prediction_type"] = settings.PredictionType;
            StandInFolder.WriteComponent(partial, "scheduler", schedulerConfig, null, "", "scheduler_config.json");
        }
        using var noise = new DDPMScheduler(SchedulerConfig.Load(Component("scheduler", "scheduler_config.json")));
        log.WriteLine($"stage 0: refining the text encoder and U-Net (phase {phase}), {settings.Steps} steps, t >= {settings.MinTimestep}, " +
            $"lr {settings.LearningRate}, {noise.PredictionType} objective");
        using (var reporter = new ProgressReporter(log, Work($"stage0-refine-{phase}.metrics.jsonl"), settings.Steps))
            TextToImageTraining.Train(textEncoder, unet, ClipTokenizer.FromFolder(Path.Combine(partial, "tokenizer")), noise, vae, data, settings, reporter, stop, resume);
        StandInFolder.WriteComponent(partial, "text_encoder", StandInFolder.ReadConfig(Component("text_encoder", "config.json")), textEncoder, "model.safetensors");
        StandInFolder.WriteComponent(partial, "unet", StandInFolder.ReadConfig(Component("unet", "config.json")), unet, DiffusersWeights);
    }

    static long Count(TorchSharp.torch.nn.Module module) => module.parameters().Sum(p => p.numel());

    /// <summary>Runs (or resumes, or skips when finished) one KOSMOS-G stage; returns its final model folder.</summary>
    string RunStage(string name, string startFolder, string manifest, StageRun run, CancellationToken stop,
        Func<KosmosGModelFolder, TrainingOptions, TrainingResult> train)
    {
        var output = Work(name);
        string? resume = null;
        if (CheckpointStore.Latest(output) is not null)
        {
            resume = CheckpointStore.ResolveResume(output);
            var state = TrainingState.Load(Path.Combine(resume, CheckpointStore.TrainingFolder, CheckpointStore.StateFile));
            if (state.Step >= run.Steps) return resume;
        }
        log.WriteLine($"{name}: {run.Steps} steps, batch {run.BatchSize}, lr {run.Lr}" + (resume is null ? "" : $" (resuming {resume})"));
        var options = new TrainingOptions
        {
            ModelDir = startFolder,
            DataManifest = manifest,
            OutputDir = output,
            Steps = run.Steps,
            BatchSize = run.BatchSize,
            Lr = run.Lr,
            Warmup = run.Warmup,
            Seed = recipe.Seed,
            Resume = resume,
            Compute = compute,
            SaveEvery = Math.Max(1, run.Steps / 12),
            LogEvery = 25,
            Keep = 1,
        };
        manual_seed(recipe.Seed);
        var result = train(KosmosGModelFolder.Open(resume ?? startFolder), options);
        if (result.Interrupted) throw new OperationCanceledException($"{name} stopped at step {result.Step}; run the same command again to continue");
        log.WriteLine($"{name}: loss {result.FirstLoss:0.####} -> {result.LastLoss:0.####}");
        return result.LastCheckpoint!;
    }
}
