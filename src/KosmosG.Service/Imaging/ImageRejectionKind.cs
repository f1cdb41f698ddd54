namespace KosmosG.Service.Imaging;

/// <summary>Why an input image was refused (the same kinds as KosmosG.Imaging.ImageDecodeException).</summary>
public enum ImageRejectionKind { UnsupportedFormat, TooLarge, Corrupt, Truncated }
