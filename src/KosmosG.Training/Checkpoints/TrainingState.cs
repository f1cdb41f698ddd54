using System.Text.Json;
using System.Text.Json.Serialization;
using KosmosG.Training.Data;

namespace KosmosG.Training.Checkpoints;

/// <summary>
/// Everything besides weights and optimizer moments that an exact resume needs: the update count (which also
/// fixes the LR and, with the seed, every random draw of the next updates), the data position, the fp16 loss
/// scaler and the run's settings (checked on resume).
/// </summary>
public sealed record TrainingState
{
    [JsonPropertyName("stage")] public required string Stage { get; init; }
    [JsonPropertyName("step")] public long Step { get; init; }
    [JsonPropertyName("data_epoch")] public int DataEpoch { get; init; }
    [JsonPropertyName("data_index")] public int DataIndex { get; init; }
    [JsonPropertyName("seed")] public int Seed { get; init; }
    [JsonPropertyName("loss_scale")] public double? LossScale { get; init; }
    [JsonPropertyName("loss_scale_clean_updates")] public int LossScaleCleanUpdates { get; init; }
    [JsonPropertyName("samples_seen")] public long SamplesSeen { get; init; }
    [JsonPropertyName("settings")] public Dictionary<string, string> Settings { get; init; } = new();

    [JsonIgnore] public DataPosition Data => new(DataEpoch, DataIndex);

    static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Options));

    public static TrainingState Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"training state not found: {path} (is this a checkpoint folder written by a trainer?)", path);
        try
        {
            return JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path}: empty training state");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: invalid training state: {e.Message}", e);
        }
    }
}
