using System.IO.Compression;
using System.Numerics;
using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Tests.Weights;

/// <summary>
/// Checkpoints zipped here around pickles that make_pickle_cases.py wrote the way torch.save does (protocols 2, 4
/// and 5): strided and shared views, every storage dtype, parameters, unknown classes, sets, bytes, big ints.
/// </summary>
public sealed class TorchCheckpointCraftedTests : IDisposable
{
    const string FairseqLikeP4 = "gASVEwMAAAAAAAB9lCiMA2NmZ5SMC3ByaXZhdGVfY2ZnlIwNVW5rbm93bkNvbmZpZ5STlCmBlH2UKIwCbHKURz/gAAAAAAAAjAR0YWdzlI+UKIwBYZSMAWKUkIwGZnJvemVulChLAZGUjARibG9ilEMCAP+UjANiaWeUigkAAAAAAAAAAECMBm5lc3RlZJRLAUdABAAAAAAAAE6GlF2UiGGHlHVijAJrd5RoAowGS3dPbmx5lJOUKX2UjARzaXpllEsDc5KUjAVtb2RlbJSMC2NvbGxlY3Rpb25zlIwLT3JkZXJlZERpY3SUk5QpUpQojAF3lIwMdG9yY2guX3V0aWxzlIwSX3JlYnVpbGRfdGVuc29yX3YylJOUKCiMB3N0b3JhZ2WUjAV0b3JjaJSMDEZsb2F0U3RvcmFnZZSTlIwBMJSMA2NwdZRLDHSUUUsASwNLBIaUSwRLAYaUiWgeKVKUdJRSlIwDd190lGgjKChoJGgnaChoKUsMdJRRSwBLBEsDhpRLAUsEhpSJaB4pUpR0lFKUjANyb3eUaCMoKGgkaCdoKGgpSwx0lFFLBEsEhZRLAYWUiWgeKVKUdJRSlIwFcGFyYW2UaCGMEl9yZWJ1aWxkX3BhcmFtZXRlcpSTlGgjKChoJGgnaChoKUsMdJRRSwhLAksChpRLAksBhpSJaB4pUpR0lFKUiGgeKVKUh5RSlIwCYmaUaCMoKGgkaCWMD0JGbG9hdDE2U3RvcmFnZZSTlIwBMZRoKUsEdJRRSwBoOWg6iWgeKVKUdJRSlIwDaWRzlGgjKChoJGgljAtMb25nU3RvcmFnZZSTlIwBMpRoKUsDdJRRSwBLA4WUaDqJaB4pUpR0lFKUjARtYXNrlGgjKChoJGgljAtCb29sU3RvcmFnZZSTlIwBM5RoKUsCdJRRSwBLAoWUaDqJaB4pUpR0lFKUjANkYmyUaCMoKGgkaCWMDURvdWJsZVN0b3JhZ2WUk5SMATSUaClLAnSUUUsASwFLAoaUaEOJaB4pUpR0lFKUdYwFZXh0cmGUfZQoTksBaGmMAXSUdXUu";
    const string PlainP5 = "gAWVmAAAAAAAAACMC2NvbGxlY3Rpb25zlIwLT3JkZXJlZERpY3SUk5QpUpSMBG9ubHmUjAx0b3JjaC5fdXRpbHOUjBJfcmVidWlsZF90ZW5zb3JfdjKUk5QoKIwHc3RvcmFnZZSMBXRvcmNolIwMRmxvYXRTdG9yYWdllJOUjAEwlIwDY3B1lEsMdJRRSwBLDIWUSwGFlIloAilSlHSUUpRzLg==";
    const string BytesP2 = "gAJ9cQAoWAUAAABtb2RlbHEBY2NvbGxlY3Rpb25zCk9yZGVyZWREaWN0CnECKVJxA1gEAAAAYmxvYnEEY19jb2RlY3MKZW5jb2RlCnEFWAQAAAABAsO+cQZYBgAAAGxhdGluMXEHhnEIUnEJdS4=";

    readonly string _path = Path.Combine(Path.GetTempPath(), $"crafted-{Guid.NewGuid():N}.pt");

    public void Dispose() => File.Delete(_path);

    static Tensor Storage0 => arange(12, dtype: ScalarType.Float32);

    /// <summary>The storages the pickles refer to, keyed as in the persistent ids.</summary>
    static Dictionary<string, byte[]> Storages() => new()
    {
        ["0"] = Storage0.bytes.ToArray(),
        ["1"] = tensor(new[] { 1f, -2f, 0.5f, 3f }).to(ScalarType.BFloat16).bytes.ToArray(),
        ["2"] = tensor(new[] { 1L, -2L, 3_000_000_000L }).bytes.ToArray(),
        ["3"] = [1, 0],
        ["4"] = tensor(new[] { 0.25, -1e300 }).bytes.ToArray(),
    };

    void WriteCheckpoint(string pickleBase64, Dictionary<string, byte[]>? storages = null, Func<byte[], byte[]>? editPickle = null)
    {
        var pickle = Convert.FromBase64String(pickleBase64);
        using var zip = ZipFile.Open(_path, ZipArchiveMode.Create);
        Add(zip, "archive/data.pkl", editPickle?.Invoke(pickle) ?? pickle);
        foreach (var (key, bytes) in storages ?? Storages()) Add(zip, "archive/data/" + key, bytes);
        Add(zip, "archive/version", "3\n"u8.ToArray());
    }

    static void Add(ZipArchive zip, string name, byte[] bytes)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
        stream.Write(bytes);
    }

    [Fact]
    public void RebuildsStridedViewsOfEveryDtype()
    {
        WriteCheckpoint(FairseqLikeP4);
        var state = TorchCheckpoint.ReadStateDict(_path);
        Assert.Equal(["bf", "dbl", "ids", "mask", "param", "row", "w", "w_t"], state.Keys.Order());
        var w = Storage0.reshape(3, 4);
        Assert.True(w.Equals(state["w"]));
        Assert.True(w.t().Equals(state["w_t"]));
        Assert.True(Storage0.narrow(0, 4, 4).Equals(state["row"]));
        Assert.True(Storage0.narrow(0, 8, 4).reshape(2, 2).Equals(state["param"]));
        Assert.True(tensor(new[] { 1f, -2f, 0.5f, 3f }).to(ScalarType.BFloat16).Equals(state["bf"]));
        Assert.True(tensor(new[] { 1L, -2L, 3_000_000_000L }).Equals(state["ids"]));
        Assert.True(tensor(new[] { true, false }).Equals(state["mask"]));
        Assert.True(tensor(new[] { 0.25, -1e300 }).reshape(1, 2).Equals(state["dbl"]));

        // One storage read once: writing through one view shows in the others.
        using (no_grad()) state["w"][0, 1] = tensor(100f);
        Assert.Equal(100f, state["w_t"][1, 0].item<float>());
    }

    [Fact]
    public void CopiesWholeStoragesAndViewsIntoDestinations()
    {
        WriteCheckpoint(FairseqLikeP4);
        using var checkpoint = TorchCheckpoint.Open(_path);
        var refs = checkpoint.StateDict().Tensors;
        var whole = zeros(3, 4);
        refs["w"].CopyTo(whole); // streamed from the zip entry straight into the destination
        Assert.True(Storage0.reshape(3, 4).Equals(whole));
        var transposedHalf = zeros(4, 3, dtype: ScalarType.Float16);
        refs["w_t"].CopyTo(transposedHalf);
        Assert.True(Storage0.reshape(3, 4).t().to(ScalarType.Float16).Equals(transposedHalf));
        var e = Assert.Throws<InvalidDataException>(() => refs["row"].CopyTo(zeros(5)));
        Assert.Contains("expected [5]", e.Message);
    }

    [Fact]
    public void UnknownClassesAndPlainValuesAreKept()
    {
        WriteCheckpoint(FairseqLikeP4);
        using var checkpoint = TorchCheckpoint.Open(_path);
        Assert.Equal(["cfg", "kw", "model", "extra"], checkpoint.Keys);
        var root = (Dictionary<object, object?>)checkpoint.Root!;
        var cfg = Assert.IsType<PickleObject>(root["cfg"]);
        Assert.Equal("private_cfg.UnknownConfig", cfg.Type.ToString());
        var state = Assert.IsType<Dictionary<object, object?>>(cfg.State);
        Assert.Equal(0.5, state["lr"]);
        Assert.True(new HashSet<object?> { "a", "b" }.SetEquals((HashSet<object?>)state["tags"]!));
        Assert.True(new HashSet<object?> { 1L }.SetEquals((HashSet<object?>)state["frozen"]!));
        Assert.Equal(new byte[] { 0, 255 }, state["blob"]);
        Assert.Equal(BigInteger.Pow(2, 70), state["big"]);
        var nested = Assert.IsType<object?[]>(state["nested"]);
        Assert.Equal(1L, nested[0]);
        Assert.Equal(new object?[] { 2.5, null }, nested[1]);
        Assert.Equal(new List<object?> { true }, nested[2]);
        // NEWOBJ_EX (protocol 4 keyword arguments) on an unknown class.
        Assert.Equal("KwOnly", Assert.IsType<PickleObject>(root["kw"]).Type.Name);
        Assert.Equal(2, ((Dictionary<object, object?>)root["extra"]!).Count);
    }

    [Fact]
    public void PlainStateDictRootIsTheStateDict()
    {
        WriteCheckpoint(PlainP5);
        var state = TorchCheckpoint.ReadStateDict(_path);
        Assert.True(Storage0.Equals(state["only"]));
    }

    [Fact]
    public void Protocol2BytesDecode()
    {
        WriteCheckpoint(BytesP2);
        using var checkpoint = TorchCheckpoint.Open(_path);
        Assert.Equal(new byte[] { 1, 2, 0xfe }, ((Dictionary<object, object?>)checkpoint.Root!)["blob"]);
        Assert.Empty(checkpoint.StateDict().Tensors);
    }

    [Fact]
    public void MissingStorageEntryIsNamed()
    {
        var storages = Storages();
        storages.Remove("2");
        WriteCheckpoint(FairseqLikeP4, storages);
        var e = Assert.Throws<InvalidDataException>(() => TorchCheckpoint.ReadStateDict(_path));
        Assert.Contains(_path, e.Message);
        Assert.Contains("archive/data/2", e.Message);
    }

    [Fact]
    public void StorageOfTheWrongSizeIsNamed()
    {
        var storages = Storages();
        storages["4"] = new byte[8];
        WriteCheckpoint(FairseqLikeP4, storages);
        var e = Assert.Throws<InvalidDataException>(() => TorchCheckpoint.ReadStateDict(_path));
        Assert.Contains("archive/data/4 holds 8 bytes but storage torch.DoubleStorage[2] needs 16", e.Message);
    }

    [Fact]
    public void TruncatedPickleIsNamed()
    {
        WriteCheckpoint(FairseqLikeP4, editPickle: p => p[..(p.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => TorchCheckpoint.Open(_path));
        Assert.Contains(_path + ":archive/data.pkl", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void UnsupportedOpcodeIsNamed()
    {
        WriteCheckpoint(PlainP5, editPickle: p => [0x80, 0x02, 0x82, 0x01, (byte)'.']); // EXT1
        var e = Assert.Throws<InvalidDataException>(() => TorchCheckpoint.Open(_path));
        Assert.Contains("opcode 0x82", e.Message);
    }

    [Fact]
    public void ZipWithoutPickleIsNotACheckpoint()
    {
        using (var zip = ZipFile.Open(_path, ZipArchiveMode.Create)) Add(zip, "readme.txt", [1]);
        var e = Assert.Throws<InvalidDataException>(() => TorchCheckpoint.ReadStateDict(_path));
        Assert.Contains("data.pkl", e.Message);
    }
}
