namespace KosmosG.Training.Optimization;

/// <summary>
/// fairseq's dynamic loss scaler for fp16 training (official: init scale 4, window 256, min 1e-4): on a non-finite
/// gradient the update is skipped and the scale halves; after <see cref="Window"/> clean updates it doubles.
/// </summary>
public sealed class DynamicLossScaler
{
    public DynamicLossScaler(double initScale = 4, int window = 256, double minScale = 1e-4)
    {
        Scale = initScale;
        Window = window;
        MinScale = minScale;
    }

    public double Scale { get; private set; }
    public int Window { get; }
    public double MinScale { get; }
    /// <summary>Clean updates since the last overflow or growth.</summary>
    public int CleanUpdates { get; private set; }

    public void Update(bool overflow)
    {
        if (overflow)
        {
            Scale /= 2;
            CleanUpdates = 0;
            if (Scale < MinScale)
                throw new InvalidOperationException($"fp16 loss scale fell below the minimum {MinScale}: the loss keeps overflowing (try --dtype bf16 or a lower --lr)");
            return;
        }
        if (++CleanUpdates >= Window)
        {
            Scale *= 2;
            CleanUpdates = 0;
        }
    }

    public void Restore(double scale, int cleanUpdates)
    {
        Scale = scale;
        CleanUpdates = cleanUpdates;
    }
}
