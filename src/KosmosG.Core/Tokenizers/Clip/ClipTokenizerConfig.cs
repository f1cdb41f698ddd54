using System.Text.Json;

namespace KosmosG.Tokenizers;

/// <summary>Special tokens and model_max_length of a Hugging Face tokenizer folder: tokenizer_config.json, then
/// special_tokens_map.json overriding it (as transformers' from_pretrained does); CLIPTokenizer's defaults otherwise.</summary>
internal sealed record ClipTokenizerConfig(string BosToken, string EosToken, string PadToken, string UnkToken,
    int ModelMaxLength, IReadOnlyList<string> AdditionalSpecialTokens)
{
    // CLIP's context length, used when the folder does not say.
    const int DefaultModelMaxLength = 77;

    public static ClipTokenizerConfig Load(string tokenizerDir)
    {
        var tokens = new Dictionary<string, string>
        {
            ["bos_token"] = ClipTokenizer.StartOfText, ["eos_token"] = ClipTokenizer.EndOfText,
            ["pad_token"] = ClipTokenizer.EndOfText, ["unk_token"] = ClipTokenizer.EndOfText,
        };
        var additional = new List<string>();
        var maxLength = DefaultModelMaxLength;
        foreach (var name in new[] { "tokenizer_config.json", "special_tokens_map.json" })
        {
            var path = Path.Combine(tokenizerDir, name);
            if (!File.Exists(path)) continue;
            using var doc = Parse(path);
            foreach (var key in tokens.Keys.ToList())
                if (doc.RootElement.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null)
                    tokens[key] = TokenContent(value, path, key);
            if (doc.RootElement.TryGetProperty("additional_special_tokens", out var extra) && extra.ValueKind == JsonValueKind.Array)
            {
                additional.Clear();
                additional.AddRange(extra.EnumerateArray().Select(e => TokenContent(e, path, "additional_special_tokens")));
            }
            if (doc.RootElement.TryGetProperty("model_max_length", out var max))
                maxLength = max.ValueKind == JsonValueKind.Number && max.TryGetInt32(out var m) && m >= 2 ? m
                    : throw new InvalidDataException($"'{path}': model_max_length {max.GetRawText()} is not a usable sequence length");
        }
        return new ClipTokenizerConfig(tokens["bos_token"], tokens["eos_token"], tokens["pad_token"], tokens["unk_token"],
            maxLength, additional);
    }

    static JsonDocument Parse(string path)
    {
        try { return JsonDocument.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e); }
    }

    // A token is either a plain string or an AddedToken object with "content".
    static string TokenContent(JsonElement value, string path, string key) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Object when value.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String => c.GetString()!,
        _ => throw new InvalidDataException($"'{path}': {key} must be a string or an object with \"content\""),
    };
}
