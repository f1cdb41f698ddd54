using System.Text;
using System.Text.Json;

namespace KosmosG.Schedulers;

/// <summary>
/// A diffusers scheduler_config.json. Every field is nullable: a key that is absent (or null) keeps each scheduler
/// class's own default, as diffusers' from_config does (e.g. the real SD v1.5 config has no timestep_spacing, so
/// DPM-Solver uses linspace while DDIM/PNDM use leading). Unknown keys are ignored like diffusers ignores them.
/// </summary>
public sealed record SchedulerConfig
{
    public int? NumTrainTimesteps { get; init; }
    public double? BetaStart { get; init; }
    public double? BetaEnd { get; init; }
    public string? BetaSchedule { get; init; }
    public IReadOnlyList<double>? TrainedBetas { get; init; }
    public bool? RescaleBetasZeroSnr { get; init; }
    public string? PredictionType { get; init; }
    public string? TimestepSpacing { get; init; }
    public int? StepsOffset { get; init; }
    public bool? SetAlphaToOne { get; init; }
    public bool? SkipPrkSteps { get; init; }
    public bool? ClipSample { get; init; }
    public double? ClipSampleRange { get; init; }
    public bool? Thresholding { get; init; }
    public double? DynamicThresholdingRatio { get; init; }
    public double? SampleMaxValue { get; init; }
    public int? SolverOrder { get; init; }
    public string? AlgorithmType { get; init; }
    public string? SolverType { get; init; }
    public bool? LowerOrderFinal { get; init; }
    public bool? EulerAtFinal { get; init; }
    public bool? UseKarrasSigmas { get; init; }
    public bool? UseLuLambdas { get; init; }
    public double? LambdaMinClipped { get; init; }
    public string? VarianceType { get; init; }
    public string? FinalSigmasType { get; init; }
    public string? InterpolationType { get; init; }
    public string? TimestepType { get; init; }
    public double? SigmaMin { get; init; }
    public double? SigmaMax { get; init; }

    /// <summary>Reads a scheduler_config.json file; errors name the file and the key.</summary>
    public static SchedulerConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Scheduler config not found: {path}", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses scheduler config JSON (Python's json module also writes bare Infinity/-Infinity/NaN).</summary>
    public static SchedulerConfig Parse(string json, string source = "scheduler config")
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(QuoteNonFiniteLiterals(json),
                new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: invalid JSON ({e.Message})", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{source}: expected a JSON object, got {root.ValueKind}");
            var reader = new Reader(root, source);
            return new SchedulerConfig
            {
                NumTrainTimesteps = reader.Int("num_train_timesteps"),
                BetaStart = reader.Double("beta_start"),
                BetaEnd = reader.Double("beta_end"),
                BetaSchedule = reader.String("beta_schedule"),
                TrainedBetas = reader.DoubleArray("trained_betas"),
                RescaleBetasZeroSnr = reader.Bool("rescale_betas_zero_snr"),
                PredictionType = reader.String("prediction_type"),
                TimestepSpacing = reader.String("timestep_spacing"),
                StepsOffset = reader.Int("steps_offset"),
                SetAlphaToOne = reader.Bool("set_alpha_to_one"),
                SkipPrkSteps = reader.Bool("skip_prk_steps"),
                ClipSample = reader.Bool("clip_sample"),
                ClipSampleRange = reader.Double("clip_sample_range"),
                Thresholding = reader.Bool("thresholding"),
                DynamicThresholdingRatio = reader.Double("dynamic_thresholding_ratio"),
                SampleMaxValue = reader.Double("sample_max_value"),
                SolverOrder = reader.Int("solver_order"),
                AlgorithmType = reader.String("algorithm_type"),
                SolverType = reader.String("solver_type"),
                LowerOrderFinal = reader.Bool("lower_order_final"),
                EulerAtFinal = reader.Bool("euler_at_final"),
                UseKarrasSigmas = reader.Bool("use_karras_sigmas"),
                UseLuLambdas = reader.Bool("use_lu_lambdas"),
                LambdaMinClipped = reader.Double("lambda_min_clipped"),
                VarianceType = reader.String("variance_type"),
                FinalSigmasType = reader.String("final_sigmas_type"),
                InterpolationType = reader.String("interpolation_type"),
                TimestepType = reader.String("timestep_type"),
                SigmaMin = reader.Double("sigma_min"),
                SigmaMax = reader.Double("sigma_max"),
            };
        }
    }

    static readonly string[] NonFiniteLiterals = ["-Infinity", "Infinity", "NaN"];

    /// <summary>Wraps bare Infinity / -Infinity / NaN tokens (outside strings) in quotes so System.Text.Json accepts them.</summary>
    static string QuoteNonFiniteLiterals(string json)
    {
        var sb = new StringBuilder(json.Length + 16);
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            if (inString)
            {
                sb.Append(c);
                if (c == '\\' && i + 1 < json.Length) sb.Append(json[++i]);
                else if (c == '"') inString = false;
                continue;
            }
            if (c == '"') { inString = true; sb.Append(c); continue; }
            var literal = NonFiniteLiterals.FirstOrDefault(l => string.CompareOrdinal(json, i, l, 0, l.Length) == 0);
            if (literal is null) { sb.Append(c); continue; }
            sb.Append('"').Append(literal).Append('"');
            i += literal.Length - 1;
        }
        return sb.ToString();
    }

    /// <summary>Typed access to optional keys; a present key of the wrong type is an error naming source and key.</summary>
    sealed class Reader(JsonElement root, string source)
    {
        JsonElement? Get(string key) =>
            root.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

        InvalidDataException Bad(string key, JsonElement value, string expected) =>
            new($"{source}: key '{key}' must be {expected}, got {value.GetRawText()}");

        public int? Int(string key)
        {
            if (Get(key) is not { } v) return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i)) return i;
            // Python configs sometimes store integral values as floats (e.g. 1000.0).
            if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue)
                return (int)d;
            throw Bad(key, v, "an integer");
        }

        public double? Double(string key)
        {
            if (Get(key) is not { } v) return null;
            return ToDouble(key, v);
        }

        double ToDouble(string key, JsonElement v)
        {
            if (v.ValueKind == JsonValueKind.Number) return v.GetDouble();
            if (v.ValueKind == JsonValueKind.String)
                switch (v.GetString())
                {
                    case "Infinity": return double.PositiveInfinity;
                    case "-Infinity": return double.NegativeInfinity;
                    case "NaN": return double.NaN;
                }
            throw Bad(key, v, "a number");
        }

        public bool? Bool(string key)
        {
            if (Get(key) is not { } v) return null;
            return v.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Bad(key, v, "true or false"),
            };
        }

        public string? String(string key)
        {
            if (Get(key) is not { } v) return null;
            return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Bad(key, v, "a string");
        }

        public IReadOnlyList<double>? DoubleArray(string key)
        {
            if (Get(key) is not { } v) return null;
            if (v.ValueKind != JsonValueKind.Array) throw Bad(key, v, "an array of numbers");
            return v.EnumerateArray().Select(e => ToDouble(key, e)).ToArray();
        }
    }
}
