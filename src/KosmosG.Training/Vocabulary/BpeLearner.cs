namespace KosmosG.Training.Vocabulary;

/// <summary>A learned merge: two adjacent symbols that become one.</summary>
public readonly record struct BpeMerge(string First, string Second)
{
    public string Merged => First + Second;
}

/// <summary>
/// Classic BPE training on a small word list: repeatedly merge the most frequent adjacent pair (ties: the
/// ordinally smallest pair, so the result is deterministic) until every word is a single symbol. Applying the
/// merges in learned order to a training word rebuilds it as one symbol, which is what the vocabulary writers need.
/// </summary>
public static class BpeLearner
{
    /// <param name="words">Each word as its initial symbols, with a weight (e.g. its corpus frequency).</param>
    public static IReadOnlyList<BpeMerge> Learn(IEnumerable<(IReadOnlyList<string> Symbols, int Count)> words)
    {
        var state = words.Where(w => w.Symbols.Count > 0).Select(w => (Symbols: w.Symbols.ToList(), w.Count)).ToList();
        var merges = new List<BpeMerge>();
        var pairs = new Dictionary<BpeMerge, long>();
        while (true)
        {
            pairs.Clear();
            foreach (var (symbols, count) in state)
                for (var i = 0; i + 1 < symbols.Count; i++)
                {
                    var pair = new BpeMerge(symbols[i], symbols[i + 1]);
                    pairs[pair] = pairs.GetValueOrDefault(pair) + count;
                }
            if (pairs.Count == 0) return merges;
            var best = pairs.OrderByDescending(p => p.Value)
                .ThenBy(p => p.Key.First, StringComparer.Ordinal).ThenBy(p => p.Key.Second, StringComparer.Ordinal).First().Key;
            merges.Add(best);
            foreach (var (symbols, _) in state) Apply(symbols, best);
        }
    }

    /// <summary>Merges every left-to-right occurrence of the pair in place (as BPE encoders do).</summary>
    static void Apply(List<string> symbols, BpeMerge merge)
    {
        for (var i = 0; i + 1 < symbols.Count; i++)
        {
            if (symbols[i] != merge.First || symbols[i + 1] != merge.Second) continue;
            symbols[i] = merge.Merged;
            symbols.RemoveAt(i + 1);
        }
    }
}
