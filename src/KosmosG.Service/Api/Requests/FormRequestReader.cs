namespace KosmosG.Service.Api.Requests;

/// <summary>POST /v1/generations as multipart/form-data: the JSON body's fields as form fields, the images as file
/// parts (or base64 values) in &lt;i&gt; order. Unknown fields are refused.</summary>
public sealed class FormRequestReader(RequestFields fields)
{
    public async Task ReadAsync(HttpRequest request, RequestDraft draft)
    {
        IFormCollection form;
        try { form = await request.ReadFormAsync(request.HttpContext.RequestAborted); }
        catch (Exception e) when (e is InvalidDataException or IOException && !request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            throw FormErrors.From(e, fields.Images);
        }
        foreach (var file in form.Files.Where(f => !fields.IsImages(f.Name)))
            throw Unknown(file.Name);
        foreach (var (name, values) in form)
        {
            if (fields.IsImages(name))
                draft.Images = ImageParts.FromStrings(values.Where(v => !string.IsNullOrEmpty(v)).ToList()!, fields.Images);
            else if (!fields.TryApply(draft, name, values.ToString()))
                throw Unknown(name);
        }
        if (form.Files.Count > 0) draft.Images = ImageParts.FromFiles(form.Files, fields.Images);
    }

    static ApiProblemException Unknown(string name) => ApiProblemException.Invalid(name, $"Unknown form field '{name}'.");
}
