using System.Buffers.Binary;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using static TorchSharp.torch;

namespace KosmosG.Weights;

/// <summary>
/// Writes tensors as a safetensors file: header padded with spaces so the data starts 8-byte aligned, tensors in
/// the given order. The file is written beside the target and renamed over it, so readers never see a partial file.
/// </summary>
public static class SafeTensorsWriter
{
    static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
        long offset = 0;
        foreach (var (name, t) in list)
        {
            if (name == "__metadata__") throw new ArgumentException($"'{path}': '__metadata__' cannot name a tensor");
            if (header.ContainsKey(name)) throw new ArgumentException($"'{path}': tensor '{name}' is given twice");
            var size = t.numel() * t.ElementSize;
            header[name] = new { dtype = SafeTensorDTypes.ToName(t.dtype), shape = t.shape, data_offsets = new[] { offset, offset + size } };
            offset += size;
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header, Json));
        var padded = (json.Length + 7) / 8 * 8;

        var tmp = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
                stream.Write(length);
                stream.Write(json);
                for (var i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
                foreach (var (_, t) in list)
                {
                    using var cpu = t.detach().cpu().contiguous();
                    TensorBytes.ForEachChunk(cpu, (chunk, _) => stream.Write(chunk));
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }
}
