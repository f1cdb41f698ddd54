using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace KosmosG.Weights;

/// <summary>
/// A minimal, safe pickle virtual machine (protocols 0-5, binary opcodes plus the simple text ones). It never
/// imports or runs anything: GLOBAL yields a <see cref="PickleGlobal"/> name, and REDUCE / NEWOBJ hand the name
/// and arguments to <c>call</c>, which builds only what it recognises (the caller returns placeholders otherwise).
/// Values: None = null, bool, long (BigInteger when wider), double, string, byte[], List (list), object?[]
/// (tuple), Dictionary (dict), HashSet (set), and whatever <c>call</c> / <c>persistentLoad</c> return.
/// </summary>
internal sealed class PickleReader
{
    /// <summary>Stands in for None as a dict key (.NET dictionaries reject null keys).</summary>
    internal static readonly object NoneKey = new();

    static readonly object Mark = new();

    readonly byte[] _data;
    readonly string _source;
    readonly Func<PickleGlobal, object?[], object?> _call;
    readonly Func<object?, object?> _persistentLoad;
    readonly List<object?> _stack = [];
    readonly Dictionary<long, object?> _memo = [];
    int _pos;

    PickleReader(byte[] data, string source, Func<PickleGlobal, object?[], object?> call, Func<object?, object?> persistentLoad)
    {
        _data = data;
        _source = source;
        _call = call;
        _persistentLoad = persistentLoad;
    }

    /// <param name="source">Names the pickle in error messages (file and entry).</param>
    internal static object? Load(byte[] data, string source, Func<PickleGlobal, object?[], object?> call, Func<object?, object?> persistentLoad) =>
        new PickleReader(data, source, call, persistentLoad).Run();

    object? Run()
    {
        while (true)
        {
            if (_pos >= _data.Length) throw Error("ends without STOP: the pickle is truncated");
            var at = _pos;
            var op = _data[_pos++];
            switch (op)
            {
                case 0x80: ReadByte(); break; // PROTO: any version we can parse is fine
                case 0x95: ReadBytes(8); break; // FRAME: framing is only a read-ahead hint
                case (byte)'.': return Pop(); // STOP

                case (byte)'(': Push(Mark); break; // MARK
                case (byte)'0': Pop(); break; // POP
                case (byte)'1': PopMark(); break; // POP_MARK
                case (byte)'2': Push(Peek()); break; // DUP

                case (byte)'N': Push(null); break; // NONE
                case 0x88: Push(true); break; // NEWTRUE
                case 0x89: Push(false); break; // NEWFALSE
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))); break; // BININT
                case (byte)'K': Push((long)ReadByte()); break; // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2))); break; // BININT2
                case 0x8a: Push(ReadLong(ReadByte())); break; // LONG1
                case 0x8b: Push(ReadLong(ReadLength(BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))))); break; // LONG4
                case (byte)'I': Push(ParseTextInt(ReadLine())); break; // INT
                case (byte)'L': Push(ParseInteger(ReadLine().TrimEnd('L'))); break; // LONG
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8))); break; // BINFLOAT
                case (byte)'F': Push(ParseFloat(ReadLine())); break; // FLOAT

                case (byte)'X': Push(Utf8(ReadBytes(ReadLength(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)))))); break; // BINUNICODE
                case 0x8c: Push(Utf8(ReadBytes(ReadByte()))); break; // SHORT_BINUNICODE
                case 0x8d: Push(Utf8(ReadBytes(ReadLength(BinaryPrimitives.ReadUInt64LittleEndian(ReadBytes(8)))))); break; // BINUNICODE8
                case (byte)'T': Push(Utf8(ReadBytes(ReadLength(BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4)))))); break; // BINSTRING (py2 str)
                case (byte)'U': Push(Utf8(ReadBytes(ReadByte()))); break; // SHORT_BINSTRING
                case (byte)'B': Push(ReadBytes(ReadLength(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)))).ToArray()); break; // BINBYTES
                case (byte)'C': Push(ReadBytes(ReadByte()).ToArray()); break; // SHORT_BINBYTES
                case 0x8e: // BINBYTES8
                case 0x96: Push(ReadBytes(ReadLength(BinaryPrimitives.ReadUInt64LittleEndian(ReadBytes(8)))).ToArray()); break; // BYTEARRAY8

                case (byte)']': Push(new List<object?>()); break; // EMPTY_LIST
                case (byte)'}': Push(new Dictionary<object, object?>()); break; // EMPTY_DICT
                case (byte)')': Push(Array.Empty<object?>()); break; // EMPTY_TUPLE
                case 0x8f: Push(new HashSet<object?>()); break; // EMPTY_SET
                case (byte)'l': Push(PopMark().ToList()); break; // LIST
                case (byte)'t': Push(PopMark()); break; // TUPLE
                case 0x91: Push(new HashSet<object?>(PopMark())); break; // FROZENSET
                case (byte)'d': Push(ToDict(PairUp(PopMark(), "DICT"))); break; // DICT
                case 0x85: Push(PopN(1)); break; // TUPLE1
                case 0x86: Push(PopN(2)); break; // TUPLE2
                case 0x87: Push(PopN(3)); break; // TUPLE3
                case (byte)'a': Append(Pop()); break; // APPEND
                case (byte)'e': foreach (var item in PopMark()) Append(item); break; // APPENDS
                case (byte)'s': { var value = Pop(); var key = Pop(); SetItem(key, value); break; } // SETITEM
                case (byte)'u': { var items = PairUp(PopMark(), "SETITEMS"); for (var i = 0; i < items.Length; i += 2) SetItem(items[i], items[i + 1]); break; } // SETITEMS
                case 0x90: AddItems(PopMark()); break; // ADDITEMS

                case (byte)'c': Push(new PickleGlobal(ReadLine(), ReadLine())); break; // GLOBAL
                case 0x93: { var name = PopString("STACK_GLOBAL"); Push(new PickleGlobal(PopString("STACK_GLOBAL"), name)); break; } // STACK_GLOBAL
                case (byte)'R': { var args = PopTuple("REDUCE"); Push(Call(Pop(), args, "REDUCE")); break; } // REDUCE
                case 0x81: { var args = PopTuple("NEWOBJ"); Push(Call(Pop(), args, "NEWOBJ")); break; } // NEWOBJ
                case 0x92: { Pop(); var args = PopTuple("NEWOBJ_EX"); Push(Call(Pop(), args, "NEWOBJ_EX")); break; } // NEWOBJ_EX (kwargs dropped)
                case (byte)'i': { var type = new PickleGlobal(ReadLine(), ReadLine()); Push(Call(type, PopMark(), "INST")); break; } // INST
                case (byte)'o': { var items = PopMark(); if (items.Length == 0) throw Error("OBJ without a class", at); Push(Call(items[0], items[1..], "OBJ")); break; } // OBJ
                case (byte)'b': { var state = Pop(); if (Peek() is PickleObject target) target.State = state; break; } // BUILD: real objects (dicts carrying attributes) keep no state
                case (byte)'Q': Push(_persistentLoad(Pop())); break; // BINPERSID
                case (byte)'P': Push(_persistentLoad(ReadLine())); break; // PERSID

                case (byte)'p': _memo[ParseIndex(ReadLine(), at)] = Peek(); break; // PUT
                case (byte)'q': _memo[ReadByte()] = Peek(); break; // BINPUT
                case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))] = Peek(); break; // LONG_BINPUT
                case 0x94: _memo[_memo.Count] = Peek(); break; // MEMOIZE
                case (byte)'g': Push(MemoGet(ParseIndex(ReadLine(), at), at)); break; // GET
                case (byte)'h': Push(MemoGet(ReadByte(), at)); break; // BINGET
                case (byte)'j': Push(MemoGet(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)), at)); break; // LONG_BINGET

                default:
                    throw Error($"opcode 0x{op:x2} ('{(char)op}') is not supported (extension registry, out-of-band buffers and protocol-0 quoted strings are not)", at);
            }
        }
    }

    object? Call(object? callable, object?[] args, string opcode) => callable is PickleGlobal global
        ? _call(global, args)
        : throw Error($"{opcode} on {Describe(callable)}, which is not a class or function name");

    void Append(object? item)
    {
        switch (Peek())
        {
            case List<object?> list: list.Add(item); break;
            case PickleObject placeholder: placeholder.ListItems.Add(item); break;
            case var other: throw Error($"APPEND to {Describe(other)}");
        }
    }

    void SetItem(object? key, object? value)
    {
        switch (Peek())
        {
            case Dictionary<object, object?> dict: dict[key ?? NoneKey] = value; break;
            case PickleObject placeholder: placeholder.DictItems[key ?? NoneKey] = value; break;
            case var other: throw Error($"SETITEM on {Describe(other)}");
        }
    }

    void AddItems(object?[] items)
    {
        if (Peek() is not HashSet<object?> set) throw Error($"ADDITEMS to {Describe(Peek())}");
        foreach (var item in items) set.Add(item);
    }

    static Dictionary<object, object?> ToDict(object?[] items)
    {
        var dict = new Dictionary<object, object?>();
        for (var i = 0; i < items.Length; i += 2) dict[items[i] ?? NoneKey] = items[i + 1];
        return dict;
    }

    object?[] PairUp(object?[] items, string opcode) =>
        items.Length % 2 == 0 ? items : throw Error($"{opcode} has a key without a value");

    void Push(object? value) => _stack.Add(value);

    object? Peek()
    {
        if (_stack.Count == 0 || _stack[^1] == Mark) throw Error("stack underflow");
        return _stack[^1];
    }

    object? Pop()
    {
        var value = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    object?[] PopN(int n)
    {
        var items = new object?[n];
        for (var i = n - 1; i >= 0; i--) items[i] = Pop();
        return items;
    }

    object?[] PopMark()
    {
        var mark = _stack.LastIndexOf(Mark);
        if (mark < 0) throw Error("no MARK on the stack");
        var items = _stack.GetRange(mark + 1, _stack.Count - mark - 1).ToArray();
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    object?[] PopTuple(string opcode) => Pop() as object?[] ?? throw Error($"{opcode} arguments are not a tuple");

    string PopString(string opcode) => Pop() as string ?? throw Error($"{opcode} expects a string");

    object? MemoGet(long index, int at) =>
        _memo.TryGetValue(index, out var value) ? value : throw Error($"memo entry {index} is read before it is written", at);

    byte ReadByte() => ReadBytes(1)[0];

    ReadOnlySpan<byte> ReadBytes(int count)
    {
        if (count > _data.Length - _pos) throw Error($"needs {count} more bytes but only {_data.Length - _pos} remain: the pickle is truncated");
        var span = _data.AsSpan(_pos, count);
        _pos += count;
        return span;
    }

    int ReadLength(long length) =>
        length < 0 || length > _data.Length - _pos
            ? throw Error($"declares a {length}-byte value but only {_data.Length - _pos} bytes remain: the pickle is truncated or corrupt")
            : (int)length;

    int ReadLength(ulong length) => ReadLength(length > long.MaxValue ? -1 : (long)length);

    string ReadLine()
    {
        var end = Array.IndexOf(_data, (byte)'\n', _pos);
        if (end < 0) throw Error("a text argument has no end of line: the pickle is truncated");
        var line = Encoding.UTF8.GetString(_data, _pos, end - _pos);
        _pos = end + 1;
        return line;
    }

    static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>Little-endian two's complement, as LONG1/LONG4 store it.</summary>
    static object ReadLongValue(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0) return 0L;
        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (long)value : value;
    }

    object ReadLong(int length) => ReadLongValue(ReadBytes(length));

    object ParseTextInt(string text) => text switch
    {
        "00" => false,
        "01" => true,
        _ => ParseInteger(text),
    };

    object ParseInteger(string text) =>
        BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value >= long.MinValue && value <= long.MaxValue ? (long)value : value
            : throw Error($"'{text}' is not an integer");

    double ParseFloat(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : throw Error($"'{text}' is not a float");

    long ParseIndex(string text, int at) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : throw Error($"'{text}' is not a memo index", at);

    static string Describe(object? value) => value switch
    {
        null => "None",
        PickleObject p => p.ToString(),
        _ => value.GetType().Name,
    };

    InvalidDataException Error(string message, int? at = null) =>
        new($"pickle '{_source}' at byte {at ?? _pos}: {message}");
}
