using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace KosmosG.Weights;

/// <summary>Writes tensors as a safetensors file (header padded to 8 bytes, tensors in the given order).</summary>
public static class SafeTensorsWriter
{
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
        long offset = 0;
        foreach (var (name, t) in list)
        {
            var size = t.numel() * t.ElementSize;
            header[name] = new { dtype = SafeTensorDTypes.ToName(t.dtype), shape = t.shape, data_offsets = new[] { offset, offset + size } };
            offset += size;
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        var padded = (json.Length + 7) / 8 * 8;

        var tmp = path + ".tmp";
        using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            stream.Write(BitConverter.GetBytes((long)padded));
            stream.Write(json);
            for (var i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
            foreach (var (_, t) in list)
            {
                using var cpu = t.detach().cpu().contiguous();
                stream.Write(cpu.bytes);
            }
        }
        File.Move(tmp, path, overwrite: true);
    }
}
