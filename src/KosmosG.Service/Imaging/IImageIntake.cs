using KosmosG.Imaging;

namespace KosmosG.Service.Imaging;

/// <summary>Turns untrusted uploaded bytes into pixels, or throws <see cref="ImageRejectedException"/>.</summary>
public interface IImageIntake
{
    /// <param name="bytes">The file as sent.</param>
    /// <param name="declaredType">The part's or data URL's content type; null or application/octet-stream when unknown.</param>
    /// <param name="field">The request field to name in errors, e.g. "images[0]".</param>
    RgbImage Read(byte[] bytes, string? declaredType, string field);
}
