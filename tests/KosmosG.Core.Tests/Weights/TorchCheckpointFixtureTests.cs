using System.IO.Compression;
using KosmosG.Weights;
using static TorchSharp.torch;

namespace KosmosG.Tests.Weights;

/// <summary>The fixture's fairseq checkpoint.pt (torch.save zip, pickle protocol 2, fp16) against checkpoint.safetensors.</summary>
public class TorchCheckpointFixtureTests
{
    static string CheckpointPt => Path.Combine(Fixtures.KosmosGTiny, "checkpoint.pt");
    static string CheckpointSafeTensors => Path.Combine(Fixtures.KosmosGTiny, "checkpoint.safetensors");

    [Fact]
    public void ModelEntryEqualsTheSafeTensorsCopyBitForBit()
    {
        var fromPt = TorchCheckpoint.ReadStateDict(CheckpointPt);
        var expected = SafeTensorsFile.LoadAll(CheckpointSafeTensors);

        Assert.Equal(348, fromPt.Count);
        Assert.Equal(expected.Keys.Order(), fromPt.Keys.Order());
        foreach (var (key, want) in expected)
        {
            var got = fromPt[key];
            if (want.is_floating_point())
            {
                // The file is fp16 and the copy is each value widened: exact, tolerance 0.
                Assert.Equal(ScalarType.Float16, got.dtype);
                Assert.True(want.Equals(got.to(want.dtype)), $"{key} differs");
            }
            else
            {
                Assert.Equal(want.dtype, got.dtype);
                Assert.True(want.Equals(got), $"{key} differs");
            }
        }
    }

    [Fact]
    public void TiedEmbeddingAndOutputProjectionShareOneStorage()
    {
        var state = TorchCheckpoint.ReadStateDict(CheckpointPt);
        var embed = state["gpt_model.decoder.embed_tokens.weight"];
        var output = state["gpt_model.decoder.output_projection.weight"];
        Assert.True(embed.Equals(output));
        using (no_grad()) embed[0, 0] = tensor(123f).to(embed.dtype);
        Assert.Equal(123f, output[0, 0].to(ScalarType.Float32).item<float>());

        using var checkpoint = TorchCheckpoint.Open(CheckpointPt);
        var refs = checkpoint.StateDict().Tensors;
        Assert.Same(refs["gpt_model.decoder.embed_tokens.weight"].Storage, refs["gpt_model.decoder.output_projection.weight"].Storage);
    }

    [Fact]
    public void UnknownClassesBecomePlaceholdersWithTheirState()
    {
        using var checkpoint = TorchCheckpoint.Open(CheckpointPt);
        Assert.Equal(["args", "cfg", "model", "criterion", "optimizer_history", "task_state", "extra_state"], checkpoint.Keys);
        var root = (Dictionary<object, object?>)checkpoint.Root!;
        var cfg = Assert.IsType<PickleObject>(root["cfg"]);
        Assert.Equal(new PickleGlobal("kosmosg_ref_cfg", "KosmosGRefConfig"), cfg.Type);
        var state = Assert.IsType<Dictionary<object, object?>>(cfg.State);
        var common = Assert.IsType<PickleObject>(state["common"]);
        Assert.Equal("KosmosGRefConfigNode", common.Type.Name);
        var content = (Dictionary<object, object?>)((Dictionary<object, object?>)common.State!)["_content"]!;
        Assert.Equal(20240601L, content["seed"]);
        Assert.Equal(false, content["fp16"]);
        Assert.Equal(0.0001, content["min_loss_scale"]);
        Assert.Null(root["args"]);
    }

    [Fact]
    public void LoadsStrictlyIntoAFloat32ModuleThroughTheStateDictSource()
    {
        // One MLLM FFN of the fp16 checkpoint into a float32 module: dtype converted per tensor, exact.
        var module = new TinyFfn(64, 256);
        using var checkpoint = TorchCheckpoint.Open(CheckpointPt);
        var report = StateDictLoader.Load(module, checkpoint.StateDict(), prefix: "gpt_model.decoder.layers.0.ffn.",
            ignore: k => k.StartsWith("ffn_layernorm.", StringComparison.Ordinal));
        Assert.Equal(4, report.Loaded);
        var expected = SafeTensorsFile.LoadAll(CheckpointSafeTensors);
        Assert.Equal(ScalarType.Float32, module.fc1.weight!.dtype);
        TensorAssert.Close(expected["gpt_model.decoder.layers.0.ffn.fc1.weight"], module.fc1.weight, 0, 0, "fc1.weight");
        TensorAssert.Close(expected["gpt_model.decoder.layers.0.ffn.fc2.bias"], module.fc2.bias!, 0, 0, "fc2.bias");
    }

    [Fact]
    public void MissingEntryListsTheTopLevelKeys()
    {
        var e = Assert.Throws<InvalidDataException>(() => TorchCheckpoint.ReadStateDict(CheckpointPt, "state_dict"));
        Assert.Contains("checkpoint.pt", e.Message);
        Assert.Contains("'state_dict'", e.Message);
        Assert.Contains("optimizer_history", e.Message);
    }

    [Fact]
    public void TruncatedZipIsAClearError()
    {
        var path = Path.GetTempFileName();
        try
        {
            var bytes = File.ReadAllBytes(CheckpointPt);
            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
            var e = Assert.Throws<InvalidDataException>(() => TorchCheckpoint.ReadStateDict(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("truncated or corrupt", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void CorruptStorageBytesFailTheCrcCheck()
    {
        // Flip one byte inside the stored data of storage 0 (found by its bytes): the zip still opens, the CRC
        // of that entry must catch it.
        var path = Path.GetTempFileName();
        try
        {
            var bytes = File.ReadAllBytes(CheckpointPt);
            byte[] storage;
            using (var zip = new ZipArchive(File.OpenRead(CheckpointPt)))
            using (var stream = zip.GetEntry("checkpoint/data/0")!.Open())
            {
                storage = new byte[64];
                stream.ReadExactly(storage);
            }
            var at = bytes.AsSpan().IndexOf(storage);
            Assert.True(at > 0);
            bytes[at + 10] ^= 0x01;
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<InvalidDataException>(() => TorchCheckpoint.ReadStateDict(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("checkpoint/data/0 fails its CRC-32 check", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void RandomBytesAreAClearError()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, Enumerable.Range(0, 4096).Select(i => (byte)(i * 7919 % 251)).ToArray());
            var e = Assert.Throws<InvalidDataException>(() => TorchCheckpoint.ReadStateDict(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("neither a safetensors file nor a zip-format torch.save checkpoint", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void LegacyTorchFileAsksForAZipResave()
    {
        var path = Path.GetTempFileName();
        try
        {
            // torch < 1.6 files start with a protocol-2 pickle of the magic number 0x1950a86a20f9469cfc6c.
            File.WriteAllBytes(path, [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]);
            var e = Assert.Throws<InvalidDataException>(() => TorchCheckpoint.ReadStateDict(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("torch>=1.6", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void SafeTensorsFilesGoThroughTheSameEntryPoint()
    {
        var state = TorchCheckpoint.ReadStateDict(CheckpointSafeTensors);
        Assert.Equal(348, state.Count);
        Assert.Equal(ScalarType.Float32, state["aligner.encoder_query"].dtype);
    }
}
