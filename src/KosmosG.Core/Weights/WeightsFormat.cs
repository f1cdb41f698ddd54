namespace KosmosG.Weights;

public enum WeightsFileKind { SafeTensors, TorchZip }

/// <summary>Tells weight file formats apart by their first bytes, with a clear error for the ones not supported.</summary>
public static class WeightsFormat
{
    public static WeightsFileKind Detect(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"weights file not found: {path}", path);
        Span<byte> head = stackalloc byte[9];
        int read;
        using (var stream = File.OpenRead(path)) read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..read];
        if (head.StartsWith("PK"u8)) return WeightsFileKind.TorchZip;
        // safetensors: 8-byte little-endian header length, then the JSON header.
        if (read == 9 && head[8] == (byte)'{') return WeightsFileKind.SafeTensors;
        if (read > 0 && head[0] == 0x80)
            throw new InvalidDataException($"'{path}' is a legacy (pre-1.6, non-zip) torch.save file, which is not supported: " +
                "re-save it with torch>=1.6 (torch.save(torch.load(path), path) writes the zip format) or convert it to safetensors");
        throw new InvalidDataException($"'{path}' is neither a safetensors file nor a zip-format torch.save checkpoint ({read} bytes read: {Convert.ToHexString(head)})");
    }
}
