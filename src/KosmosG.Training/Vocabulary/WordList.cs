using KosmosG.ToyWorld;

namespace KosmosG.Training.Vocabulary;

/// <summary>A vocabulary word and how often it occurs (the BPE learners' weights).</summary>
public sealed record WordCount(string Word, int Count);

/// <summary>The word lists the vocabulary writers take: whitespace-separated words of texts, most frequent first.</summary>
public static class WordList
{
    /// <summary>Distinct words of the texts, by count (descending), then ordinal order.</summary>
    public static IReadOnlyList<WordCount> FromTexts(IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var text in texts)
            foreach (var word in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                counts[word] = counts.GetValueOrDefault(word) + 1;
        return [.. counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new WordCount(kv.Key, kv.Value))];
    }

    /// <summary>The caption of every scene of the shapes world (every word any stage's captions or prompts use).</summary>
    public static IEnumerable<string> ToyWorldCaptions() => ToyWorldSets.AllScenes.Select(ToyCaptions.Caption);

    /// <summary>Checks the words the writers accept: non-empty, no whitespace, no duplicates, positive counts.</summary>
    internal static void Validate(IReadOnlyList<WordCount> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        if (words.Count == 0) throw new ArgumentException("the word list is empty", nameof(words));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (word, count) in words)
        {
            if (string.IsNullOrEmpty(word) || word.Any(char.IsWhiteSpace))
                throw new ArgumentException($"vocabulary word '{word}' is empty or holds whitespace", nameof(words));
            if (count <= 0) throw new ArgumentException($"vocabulary word '{word}' has count {count}; counts must be positive", nameof(words));
            if (!seen.Add(word)) throw new ArgumentException($"vocabulary word '{word}' is listed twice", nameof(words));
        }
    }
}
