using KosmosG.Models.Kosmos;

namespace KosmosG.Tests.Models.Kosmos;

/// <summary>The tiny checkpoint loaded once per test class: inference model (M only) and stage-2 model (M+N).</summary>
public sealed class KosmosGTinyModels : IDisposable
{
    readonly Lazy<KosmosGModel> _inference = new(() =>
        KosmosGModel.Load(KosmosGConfig.Load(KosmosGTinyCases.ConfigPath), KosmosGTinyCases.CheckpointPath));
    readonly Lazy<KosmosGModel> _stage2 = new(() =>
        KosmosGModel.Load(KosmosGConfig.Load(KosmosGTinyCases.ConfigPath), KosmosGTinyCases.CheckpointPath, withAlignerDecoder: true));

    public KosmosGModel Inference => _inference.Value;
    public KosmosGModel Stage2 => _stage2.Value;

    public void Dispose()
    {
        if (_inference.IsValueCreated) _inference.Value.Dispose();
        if (_stage2.IsValueCreated) _stage2.Value.Dispose();
    }
}
