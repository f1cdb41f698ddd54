namespace KosmosG.Service.Api.Requests;

/// <summary>
/// What reading a multipart form throws, as the client's fault: a part larger than the byte caps is 413
/// (body_too_large on the images), broken framing (a missing or mismatched closing boundary, a truncated body) and
/// the form reader's structural limits (part header size, field count, key length) and part headers it cannot decode
/// are 400 invalid_form.
/// </summary>
public static class FormErrors
{
    public static ApiProblemException From(Exception e, string imagesField) => e switch
    {
        // FormOptions.MultipartBodyLengthLimit (one part over the image byte cap) and ValueLengthLimit (one value).
        InvalidDataException d when d.Message.Contains("body length limit", StringComparison.OrdinalIgnoreCase) ||
                                    d.Message.Contains("value length limit", StringComparison.OrdinalIgnoreCase) =>
            new(StatusCodes.Status413PayloadTooLarge, "body_too_large", $"A part of the form is too large: {d.Message}", imagesField),
        InvalidDataException d => Invalid($"The form is not valid: {d.Message}"),
        ArgumentException a => Invalid($"A part header of the form is malformed: {a.Message}"),
        _ => Invalid($"The multipart body ended before its closing boundary: {e.Message}"),
    };

    static ApiProblemException Invalid(string detail) => new(StatusCodes.Status400BadRequest, "invalid_form", detail, "body");
}
