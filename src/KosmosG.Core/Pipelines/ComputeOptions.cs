using static TorchSharp.torch;

namespace KosmosG.Pipelines;

/// <summary>Where and in what precision a model runs, parsed from the names users type (cpu, cuda:1; fp32, bf16, fp16).</summary>
public sealed record ComputeOptions(Device Device, ScalarType DType)
{
    public static readonly IReadOnlyList<string> DTypeNames = ["fp32", "bf16", "fp16"];

    public static ComputeOptions Cpu { get; } = new(CPU, ScalarType.Float32);

    public string DTypeName => DType switch
    {
        ScalarType.BFloat16 => "bf16",
        ScalarType.Float16 => "fp16",
        _ => "fp32",
    };

    public static ComputeOptions Parse(string device, string dtype) => new(ParseDevice(device), ParseDType(dtype));

    public static ScalarType ParseDType(string name) => name.ToLowerInvariant() switch
    {
        "fp32" or "float32" => ScalarType.Float32,
        "bf16" or "bfloat16" => ScalarType.BFloat16,
        "fp16" or "float16" => ScalarType.Float16,
        _ => throw new ArgumentException($"unknown dtype '{name}': use one of {string.Join(", ", DTypeNames)}"),
    };

    public static Device ParseDevice(string name)
    {
        try { return new Device(name); }
        catch (Exception e) { throw new ArgumentException($"unknown device '{name}': use cpu, cuda or cuda:N ({e.Message})"); }
    }
}
