using System.Collections.Concurrent;
using KosmosG.Pipelines;
using KosmosG.Service.Workers;

namespace KosmosG.Service.Tests.Support;

/// <summary>Creates <see cref="TestGenerator"/>s (on the worker threads, like the real factory) and remembers them.</summary>
public sealed class TestGeneratorFactory(TestGeneratorOptions options) : IImageGeneratorFactory
{
    public ConcurrentQueue<TestGenerator> Created { get; } = new();

    public IImageGenerator Create(string device)
    {
        if (options.LoadFailure is { } failure)
        {
            options.FailLoad.Wait();
            throw failure;
        }
        var generator = new TestGenerator(device, options);
        Created.Enqueue(generator);
        return generator;
    }

    public TestGenerator Single => Created.Single();
    public int Steps => Created.Sum(g => g.Steps);
    public int Decodes => Created.Sum(g => g.Decodes);
    public int Cancellations => Created.Sum(g => g.Cancellations);
}
