namespace KosmosG.Imaging;

/// <summary>
/// The encoded bytes as the native decoders pull them: every read first checks the decode's deadline and, once it
/// has passed, reports the end of the data, so the decoder stops at its next read instead of holding the thread.
/// </summary>
internal sealed class DecodeDeadlineStream(byte[] data, TimeProvider clock, TimeSpan budget) : Stream
{
    readonly long _start = clock.GetTimestamp();
    long _position;

    /// <summary>True once a read was refused because the deadline had passed.</summary>
    public bool Expired { get; private set; }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (Expired || clock.GetElapsedTime(_start) > budget)
        {
            Expired = true;
            return 0;
        }
        var n = (int)Math.Min(buffer.Length, data.Length - _position);
        if (n <= 0) return 0;
        data.AsSpan((int)_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => data.Length;

    public override long Position
    {
        get => _position;
        set => _position = Math.Clamp(value, 0, data.Length);
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => data.Length + offset,
    };

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
