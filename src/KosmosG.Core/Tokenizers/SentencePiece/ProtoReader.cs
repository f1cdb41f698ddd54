namespace KosmosG.Tokenizers.SentencePiece;

/// <summary>
/// Minimal protobuf wire-format reader: just what the SentencePiece ModelProto needs (varints,
/// fixed32 floats, length-delimited strings/messages), skipping every field the caller ignores.
/// </summary>
internal ref struct ProtoReader(ReadOnlySpan<byte> data, string what)
{
    readonly ReadOnlySpan<byte> _data = data;
    int _pos;

    public readonly bool AtEnd => _pos >= _data.Length;

    /// <summary>Reads the next key; returns (field number, wire type).</summary>
    public (int Field, int WireType) ReadTag()
    {
        var key = ReadVarint();
        var field = (int)(key >> 3);
        if (field == 0) throw Corrupt("field number 0");
        return (field, (int)(key & 7));
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_pos >= _data.Length) throw Corrupt("truncated varint");
            var b = _data[_pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
        throw Corrupt("varint longer than 10 bytes");
    }

    public float ReadFloat() => BitConverter.Int32BitsToSingle((int)ReadFixed32());

    public ReadOnlySpan<byte> ReadBytes()
    {
        var length = ReadVarint();
        if (length > (ulong)(_data.Length - _pos)) throw Corrupt($"length {length} runs past the end");
        var span = _data.Slice(_pos, (int)length);
        _pos += (int)length;
        return span;
    }

    public string ReadString() => System.Text.Encoding.UTF8.GetString(ReadBytes());

    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case 0: ReadVarint(); break;
            case 1: Advance(8); break;
            case 2: ReadBytes(); break;
            case 5: Advance(4); break;
            default: throw Corrupt($"unsupported wire type {wireType}");
        }
    }

    uint ReadFixed32()
    {
        if (_data.Length - _pos < 4) throw Corrupt("truncated fixed32");
        var value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(_data[_pos..]);
        _pos += 4;
        return value;
    }

    void Advance(int count)
    {
        if (_data.Length - _pos < count) throw Corrupt("truncated field");
        _pos += count;
    }

    readonly InvalidDataException Corrupt(string problem) =>
        new($"{what}: malformed protobuf at byte {_pos}: {problem}");
}
