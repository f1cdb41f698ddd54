using System.Text;

namespace KosmosG.Tokenizers;

/// <summary>
/// The few Python 3.11 string semantics the reference tokenizer depends on, from tables generated out of Python's own
/// unicodedata (<see cref="PythonUnicodeData"/>): .NET cannot supply them (string.Normalize does nothing in
/// globalization-invariant mode, and its casing has no Final_Sigma rule).
/// </summary>
internal static class PythonUnicode
{
    const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    static readonly Dictionary<int, (int First, int Second)> Decomposition = new();
    static readonly Dictionary<long, int> Composition = new();
    static readonly Dictionary<int, int> CombiningClass = new();

    static PythonUnicode()
    {
        var d = PythonUnicodeData.Decompositions;
        for (var i = 0; i < d.Length; i += 4)
        {
            Decomposition[d[i]] = (d[i + 1], d[i + 2]);
            if (d[i + 3] == 1) Composition[PairKey(d[i + 1], d[i + 2])] = d[i];
        }
        var c = PythonUnicodeData.CombiningClassRuns;
        for (var i = 0; i < c.Length; i += 3)
            for (var cp = c[i]; cp <= c[i + 1]; cp++) CombiningClass[cp] = c[i + 2];
    }

    /// <summary>transformers' _is_control: unicodedata.category(c) starts with "C", except \t \n \r.</summary>
    public static bool IsControl(int cp) => InRanges(PythonUnicodeData.ControlRanges, cp);

    /// <summary>unicodedata.normalize("NFC", s).</summary>
    public static string NormalizeNfc(string s)
    {
        // Below U+0300 nothing decomposes into something that does not compose back (NFC quick check "yes").
        if (s.All(ch => ch < 0x300)) return s;
        var cps = new List<int>(s.Length);
        foreach (var rune in s.EnumerateRunes()) Decompose(rune.Value, cps);
        ReorderCanonically(cps);
        return ToUtf16(Compose(cps));
    }

    /// <summary>Python's str.lower(): full lower-case mapping, so U+0130 becomes "i\u0307" and a capital sigma at the
    /// end of a word becomes the final form; everything else maps like .NET's invariant simple lower-casing.</summary>
    public static string Lower(string s)
    {
        var runes = s.EnumerateRunes().ToArray();
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < runes.Length; i++)
        {
            var cp = runes[i].Value;
            if (cp == 0x130) sb.Append("i\u0307");
            else if (cp == 0x3A3) sb.Append(IsFinalSigma(runes, i) ? '\u03C2' : '\u03C3');
            else sb.Append(Rune.ToLowerInvariant(runes[i]).ToString());
        }
        return sb.ToString();
    }

    // Final_Sigma: preceded by a cased letter and not followed by one, looking past case-ignorable characters.
    static bool IsFinalSigma(Rune[] runes, int i)
    {
        var j = i - 1;
        while (j >= 0 && IsCaseIgnorable(runes[j].Value)) j--;
        if (j < 0 || !IsCased(runes[j].Value)) return false;
        j = i + 1;
        while (j < runes.Length && IsCaseIgnorable(runes[j].Value)) j++;
        return j == runes.Length || !IsCased(runes[j].Value);
    }

    static bool IsCaseIgnorable(int cp) => InRanges(PythonUnicodeData.CaseIgnorableRanges, cp);
    static bool IsCased(int cp) => InRanges(PythonUnicodeData.CasedRanges, cp);

    static void Decompose(int cp, List<int> output)
    {
        if (cp is >= SBase and < SBase + SCount)
        {
            var s = cp - SBase;
            output.Add(LBase + s / NCount);
            output.Add(VBase + s % NCount / TCount);
            if (s % TCount != 0) output.Add(TBase + s % TCount);
        }
        else if (Decomposition.TryGetValue(cp, out var parts))
        {
            Decompose(parts.First, output);
            if (parts.Second >= 0) Decompose(parts.Second, output);
        }
        else output.Add(cp);
    }

    static int Ccc(int cp) => CombiningClass.GetValueOrDefault(cp);

    // Stable sort of each run of non-starters by combining class (insertion sort: runs are short).
    static void ReorderCanonically(List<int> cps)
    {
        for (var i = 1; i < cps.Count; i++)
        {
            var ccc = Ccc(cps[i]);
            if (ccc == 0) continue;
            for (var j = i; j > 0 && Ccc(cps[j - 1]) > ccc; j--) (cps[j - 1], cps[j]) = (cps[j], cps[j - 1]);
        }
    }

    // Canonical composition: a character joins the last starter unless a character in between has a combining class
    // of 0 or at least its own.
    static List<int> Compose(List<int> cps)
    {
        var output = new List<int>(cps.Count);
        var starter = -1;
        foreach (var cp in cps)
        {
            var ccc = Ccc(cp);
            if (starter >= 0)
            {
                var adjacent = starter == output.Count - 1;
                if ((adjacent || Ccc(output[^1]) < ccc) && TryCompose(output[starter], cp, out var composite))
                {
                    output[starter] = composite;
                    continue;
                }
            }
            if (ccc == 0) starter = output.Count;
            output.Add(cp);
        }
        return output;
    }

    static bool TryCompose(int first, int second, out int composite)
    {
        if (first is >= LBase and < LBase + LCount && second is >= VBase and < VBase + VCount)
        {
            composite = SBase + ((first - LBase) * VCount + second - VBase) * TCount;
            return true;
        }
        if (first is >= SBase and < SBase + SCount && (first - SBase) % TCount == 0 && second is > TBase and < TBase + TCount)
        {
            composite = first + second - TBase;
            return true;
        }
        return Composition.TryGetValue(PairKey(first, second), out composite);
    }

    static long PairKey(int first, int second) => ((long)first << 21) | (uint)second;

    static bool InRanges(int[] ranges, int cp)
    {
        int lo = 0, hi = ranges.Length / 2 - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >> 1;
            if (cp < ranges[2 * mid]) hi = mid - 1;
            else if (cp > ranges[2 * mid + 1]) lo = mid + 1;
            else return true;
        }
        return false;
    }

    static string ToUtf16(List<int> cps)
    {
        var sb = new StringBuilder(cps.Count);
        foreach (var cp in cps) sb.Append(char.ConvertFromUtf32(cp));
        return sb.ToString();
    }
}
