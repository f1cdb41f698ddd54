namespace KosmosG.Adapters;

/// <summary>A small least-recently-used cache of loaded files; evicted values are disposed. Thread-safe.</summary>
public sealed class LruCache<T>(int capacity) : IDisposable where T : IDisposable
{
    readonly LinkedList<(string Key, T Value)> _order = new();
    readonly Dictionary<string, LinkedListNode<(string Key, T Value)>> _nodes = new(StringComparer.Ordinal);

    public int Capacity { get; } = Math.Max(1, capacity);

    public int Count
    {
        get { lock (_order) return _order.Count; }
    }

    public T GetOrAdd(string key, Func<T> load)
    {
        lock (_order)
        {
            if (_nodes.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                return node.Value.Value;
            }
            var value = load();
            _nodes[key] = _order.AddFirst((key, value));
            while (_order.Count > Capacity)
            {
                var last = _order.Last!;
                _order.RemoveLast();
                _nodes.Remove(last.Value.Key);
                last.Value.Value.Dispose();
            }
            return value;
        }
    }

    public void Dispose()
    {
        lock (_order)
        {
            foreach (var (_, value) in _order) value.Dispose();
            _order.Clear();
            _nodes.Clear();
        }
    }
}
