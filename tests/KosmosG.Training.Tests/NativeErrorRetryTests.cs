using System.Runtime.InteropServices;
using KosmosG.Training.Checkpoints;
using KosmosG.Training.Loop;
using static TorchSharp.torch;

namespace KosmosG.Tests.Training;

public sealed class NativeErrorRetryTests
{
    /// <summary>A real libtorch error, raised through THSTensor_add like the Scalar race: shapes that do not broadcast.</summary>
    static void FailInLibTorch()
    {
        using var a = zeros(2, 3);
        using var b = zeros(4, 5);
        a.add(b).Dispose();
    }

    [Fact]
    public void ALibTorchErrorRerunsTheJobUntilItSucceeds()
    {
        var calls = 0;
        var log = new StringWriter();
        var result = NativeErrorRetry.Run(() =>
        {
            if (++calls <= 2) FailInLibTorch();
            return 42;
        }, maxAttempts: 5, log, CancellationToken.None);
        Assert.Equal(42, result);
        Assert.Equal(3, calls);
        Assert.Equal(2, log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("attempt 3 of 5", log.ToString());
    }

    [Fact]
    public void ItGivesUpAfterMaxAttemptsWithTheError()
    {
        var calls = 0;
        Assert.ThrowsAny<ExternalException>(() => NativeErrorRetry.Run<int>(() => { calls++; FailInLibTorch(); return 0; },
            maxAttempts: 3, TextWriter.Null, CancellationToken.None));
        Assert.Equal(3, calls);
    }

    [Fact]
    public void OtherErrorsAndStoppedJobsAreNotRetried()
    {
        var calls = 0;
        Assert.Throws<InvalidDataException>(() => NativeErrorRetry.Run<int>(() => { calls++; throw new InvalidDataException("bad manifest"); },
            maxAttempts: 3, TextWriter.Null, CancellationToken.None));
        Assert.Equal(1, calls);
        using var stop = new CancellationTokenSource();
        stop.Cancel();
        Assert.ThrowsAny<ExternalException>(() => NativeErrorRetry.Run<int>(() => { calls++; FailInLibTorch(); return 0; },
            maxAttempts: 3, TextWriter.Null, stop.Token));
        Assert.Equal(2, calls);
    }

    [Fact]
    public void ATrainerRerunsAfterALibTorchErrorFromItsLatestCheckpoint()
    {
        var output = Path.Combine(Path.GetTempPath(), $"kosmosg-retry-{Guid.NewGuid():N}");
        try
        {
            // A previous run left a checkpoint in the output folder; this run starts afresh (no --resume).
            Directory.CreateDirectory(output);
            File.WriteAllText(Path.Combine(output, CheckpointStore.LatestFile), "step-0000003");
            var seen = new List<string?>();
            var code = TrainerHost.Main(["--model", "base", "--data", "data.jsonl", "--out", output, "--steps", "4", "--batch-size", "1"],
                "kosmosg-train-test", "test", "", [], [], (_, options, _) =>
                {
                    seen.Add(options.Resume);
                    // The first attempt hit the race before its first checkpoint, the second after writing one.
                    if (seen.Count == 1) FailInLibTorch();
                    if (seen.Count == 2)
                    {
                        File.WriteAllText(Path.Combine(output, CheckpointStore.LatestFile), "step-0000002");
                        FailInLibTorch();
                    }
                    return new TrainingResult(4, false, Path.Combine(output, "step-0000004"), 1, 0.5);
                });
            Assert.Equal(0, code);
            Assert.Equal([null, null, output], seen);
        }
        finally
        {
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        }
    }
}
