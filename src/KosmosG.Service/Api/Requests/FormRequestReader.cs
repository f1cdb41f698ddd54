namespace KosmosG.Service.Api.Requests;

/// <summary>POST /v1/generations as multipart/form-data: the JSON body's fields as form fields, the images as file
/// parts (or base64 values) in &lt;i&gt; order; a ControlNet's image may be a file part named controlnets[i].image. Unknown fields are refused.</summary>
public sealed class FormRequestReader(RequestFields fields)
{
    public async Task ReadAsync(HttpRequest request, RequestDraft draft)
    {
        var form = await ReadFormAsync(request, fields.Images);
        foreach (var file in form.Files.Where(f => !fields.IsImages(f.Name)))
            if (!TryAddControlImage(draft, file)) throw Unknown(file.Name);
        foreach (var (name, values) in form)
        {
            if (fields.IsImages(name))
                draft.Images = ImageParts.FromStrings(values.Where(v => !string.IsNullOrEmpty(v)).ToList()!, fields.Images);
            else if (!fields.TryApply(draft, name, values.ToString()))
                throw Unknown(name);
        }
        var images = form.Files.Where(f => fields.IsImages(f.Name)).ToList();
        if (images.Count > 0) draft.Images = ImageParts.FromFiles(images, fields.Images);
    }

    /// <summary>The form, with a malformed or oversized body as the client's error (<see cref="FormErrors"/>,
    /// an oversized part named <paramref name="imagesField"/>).</summary>
    public static async Task<IFormCollection> ReadFormAsync(HttpRequest request, string imagesField)
    {
        try { return await request.ReadFormAsync(request.HttpContext.RequestAborted); }
        // ArgumentException: ASP.NET Core's form reader throws it for a part header it cannot decode (a truncated
        // RFC 5987 filename*= value), which is the client's malformed body like the other two.
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException && !request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            throw FormErrors.From(e, imagesField);
        }
    }

    /// <summary>Takes a file part named controlnets[i].image as ControlNet i's image; false for any other name.</summary>
    public bool TryAddControlImage(RequestDraft draft, IFormFile file)
    {
        if (ControlImageIndex(file.Name) is not { } index) return false;
        draft.ControlImages[index] = ImageParts.FromFiles([file], "")[0] with { Field = file.Name };
        return true;
    }

    /// <summary>i of a "controlnets[i].image" file part.</summary>
    int? ControlImageIndex(string name)
    {
        var prefix = fields.ControlNets + "[";
        if (!name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || !name.EndsWith("].image", StringComparison.OrdinalIgnoreCase)) return null;
        return int.TryParse(name.AsSpan(prefix.Length, name.Length - prefix.Length - 7), out var i) && i >= 0 ? i : null;
    }

    static ApiProblemException Unknown(string name) => ApiProblemException.Invalid(name, $"Unknown form field '{name}'.");
}
