using System.ComponentModel;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using KosmosG.Pipelines;
using KosmosG.Service.Queue;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace KosmosG.Service.Api.Requests;

/// <summary>
/// The generation endpoints' request fields, taken from the records themselves: every settable property of
/// <see cref="GenerationRequest"/> (the pipelines' record) and of <see cref="JobTerms"/>, under the API's JSON
/// names, plus the images (files or base64 strings on the wire, pixels in the record). The JSON, form and OpenAI
/// readers, the OpenAPI schema and error messages all use this table, so a new property is a new field everywhere.
/// </summary>
public sealed class RequestFields
{
    readonly Dictionary<string, RequestField> _byName;
    readonly Dictionary<string, string> _byProperty = new(StringComparer.OrdinalIgnoreCase);

    public RequestFields(IOptions<JsonOptions> json)
    {
        Json = new JsonSerializerOptions(json.Value.SerializerOptions);
        Json.TypeInfoResolver ??= new DefaultJsonTypeInfoResolver();
        // As the serializer matches names (case-insensitively under the web defaults).
        _byName = new(Json.PropertyNameCaseInsensitive ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        Add<GenerationRequest>(d => d.Request);
        Add<JobTerms>(d => d.Terms);
        Images = Json.PropertyNamingPolicy?.ConvertName(nameof(GenerationRequest.Images)) ?? nameof(GenerationRequest.Images);
        _byProperty[nameof(GenerationRequest.Images)] = Images;
        ControlNets = typeof(GenerationRequest).GetProperty(nameof(GenerationRequest.ControlNets))!.GetCustomAttribute<JsonPropertyNameAttribute>()!.Name;
        _byProperty[nameof(GenerationRequest.ControlNets)] = ControlNets;
    }

    /// <summary>The wire name of the ControlNets (entries with their images still bytes).</summary>
    public string ControlNets { get; }

    public bool IsControlNets(string name) => _byName.Comparer.Equals(name, ControlNets);

    /// <summary>The API's serializer settings (snake_case).</summary>
    public JsonSerializerOptions Json { get; }

    /// <summary>The wire name of the input images.</summary>
    public string Images { get; }

    /// <summary>Every field but the images, in declaration order.</summary>
    public IEnumerable<RequestField> All => _byName.Values;

    /// <summary>The wire name of a record property (errors raised against "Prompt" or "Count" name "prompt" or "n");
    /// anything else is returned as it is.</summary>
    public string NameOf(string property) => _byProperty.TryGetValue(property, out var name) ? name : property;

    public bool IsImages(string name) => _byName.Comparer.Equals(name, Images);

    /// <summary>Sets a field from its JSON value (null: absent, the default stays); false for a name that is no field.</summary>
    public bool TryApply(RequestDraft draft, string name, JsonElement value)
    {
        if (IsImages(name))
        {
            draft.Images = ImageParts.FromStrings(Read<List<string?>>(name, value) ?? [], Images);
            return true;
        }
        if (IsControlNets(name))
        {
            draft.ControlNets = Read<List<ControlNetField>>(name, value) ?? [];
            return true;
        }
        if (!_byName.TryGetValue(name, out var field)) return false;
        if (value.ValueKind != JsonValueKind.Null) field.Set(draft, Read(name, value, field.Type));
        return true;
    }

    /// <summary>Sets a field from a form value: text fields as sent, others parsed as JSON ("25", "7.5", "[...]");
    /// blank is absent. False for a name that is no field.</summary>
    public bool TryApply(RequestDraft draft, string name, string text)
    {
        if (IsControlNets(name))
        {
            if (string.IsNullOrWhiteSpace(text)) return true;
            try { draft.ControlNets = JsonSerializer.Deserialize<List<ControlNetField>>(text, Json) ?? []; }
            catch (JsonException) { throw ApiProblemException.Invalid(name, $"{name} '{text}' is not {Kind(typeof(List<ControlNetField>))}."); }
            return true;
        }
        if (!_byName.TryGetValue(name, out var field)) return false;
        if (field.Type == typeof(string))
            field.Set(draft, text);
        else if (!string.IsNullOrWhiteSpace(text))
        {
            try { field.Set(draft, JsonSerializer.Deserialize(text, field.Type, Json)); }
            catch (JsonException) { throw ApiProblemException.Invalid(name, $"{name} '{text}' is not {Kind(field.Type)}."); }
        }
        return true;
    }

    T? Read<T>(string name, JsonElement value) => (T?)Read(name, value, typeof(T));

    object? Read(string name, JsonElement value, Type type)
    {
        try { return value.Deserialize(type, Json); }
        catch (JsonException e) { throw ApiProblemException.InvalidJson(name, $"{name}: {e.Message}"); }
    }

    static string Kind(Type type) => (Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(int) || t == typeof(long) => "a whole number",
        var t when t == typeof(double) || t == typeof(float) => "a number",
        var t when t == typeof(bool) => "true or false",
        _ => "valid JSON for this field",
    };

    void Add<T>(Func<RequestDraft, object> target)
    {
        foreach (var p in Json.GetTypeInfo(typeof(T)).Properties)
        {
            if (p.Set is not { } set) continue;
            var member = p.AttributeProvider as MemberInfo;
            _byName.Add(p.Name, new RequestField(p.Name, p.PropertyType, (draft, value) => set(target(draft), value),
                member?.GetCustomAttribute<DescriptionAttribute>()?.Description));
            if (member is not null) _byProperty[member.Name] = p.Name;
        }
    }
}

/// <summary>One request field: its wire name, the record property's type, and how to set it on a draft.</summary>
public sealed record RequestField(string Name, Type Type, Action<RequestDraft, object?> Set, string? Description);

/// <summary>A request being read: the model's defaults overwritten by the fields sent, and the images not yet decoded.</summary>
public sealed class RequestDraft(Catalog.ModelCard card, GenerationRequest request)
{
    public Catalog.ModelCard Card { get; } = card;
    public GenerationRequest Request { get; set; } = request;
    public JobTerms Terms { get; } = new();
    public IReadOnlyList<ImagePart> Images { get; set; } = [];
    /// <summary>The wire name the images came under when it is not the native one (OpenAI's edits: "image"), for errors.</summary>
    public string? ImagesField { get; set; }
    public IReadOnlyList<ControlNetField> ControlNets { get; set; } = [];
    /// <summary>Control images sent as form file parts, by ControlNet index.</summary>
    public Dictionary<int, ImagePart> ControlImages { get; } = [];
}
