namespace KosmosG.Tests.Imaging;

/// <summary>Paths of this area's generated test files and the kosmosg-tiny images.</summary>
internal static class ImagingTestData
{
    public static string Dir => Path.Combine(Fixtures.Root, "..", "KosmosG.Core.Tests", "Imaging", "TestData");
    public static string File(string name) => Path.Combine(Dir, name);
    public static byte[] Bytes(string name) => System.IO.File.ReadAllBytes(File(name));
    public static byte[] TinyImage(string relative) => System.IO.File.ReadAllBytes(Path.Combine(Fixtures.KosmosGTiny, relative));
}
