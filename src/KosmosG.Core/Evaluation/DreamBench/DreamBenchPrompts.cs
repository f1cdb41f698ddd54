namespace KosmosG.Evaluation.DreamBench;

/// <summary>
/// The official DreamBench tables (kosmos-g/eval/dreambench_prompts.py): each subject folder's class word, and the 25
/// prompt templates per kind of subject, as metric text (CLIP-T, "a {class} in the jungle") and as KOSMOS-G input with
/// the class word dropped ("&lt;i&gt; in the jungle").
/// </summary>
public static class DreamBenchPrompts
{
    public const int PromptsPerSubject = 25;
    public const string ImageMarker = "<i>";

    public static IReadOnlyDictionary<string, string> Objects { get; } = new Dictionary<string, string>
    {
        ["backpack"] = "backpack", ["backpack_dog"] = "backpack", ["bear_plushie"] = "stuffed animal", ["berry_bowl"] = "bowl",
        ["can"] = "can", ["candle"] = "candle", ["clock"] = "clock", ["colorful_sneaker"] = "sneaker", ["duck_toy"] = "toy",
        ["fancy_boot"] = "boot", ["grey_sloth_plushie"] = "stuffed animal", ["monster_toy"] = "toy", ["pink_sunglasses"] = "glasses",
        ["poop_emoji"] = "toy", ["rc_car"] = "toy", ["red_cartoon"] = "cartoon", ["robot_toy"] = "toy", ["shiny_sneaker"] = "sneaker",
        ["teapot"] = "teapot", ["vase"] = "vase", ["wolf_plushie"] = "stuffed animal",
    };

    public static IReadOnlyDictionary<string, string> LiveObjects { get; } = new Dictionary<string, string>
    {
        ["cat"] = "cat", ["cat2"] = "cat", ["dog"] = "dog", ["dog2"] = "dog", ["dog3"] = "dog", ["dog5"] = "dog", ["dog6"] = "dog",
        ["dog7"] = "dog", ["dog8"] = "dog",
    };

    // The two lists share entries 0-9 and 20-24; 10-19 are scenes for objects, accessories and outfits for pets.
    static readonly string[] Shared = ["in the jungle", "in the snow", "on the beach", "on a cobblestone street", "on top of pink fabric",
        "on top of a wooden floor", "with a city in the background", "with a mountain in the background",
        "with a blue house in the background", "on top of a purple rug in a forest"];
    static readonly string[] ObjectOnly = ["with a wheat field in the background", "with a tree and autumn leaves in the background",
        "with the Eiffel Tower in the background", "floating on top of water", "floating in an ocean of milk",
        "on top of green grass with sunflowers around it", "on top of a mirror", "on top of the sidewalk in a crowded street",
        "on top of a dirt road", "on top of a white rug"];
    static readonly string[] LiveOnly = ["wearing a red hat", "wearing a santa hat", "wearing a rainbow scarf",
        "wearing a black top hat and a monocle", "in a chef outfit", "in a firefighter outfit", "in a police outfit",
        "wearing pink glasses", "wearing a yellow shirt", "in a purple wizard outfit"];
    static readonly string[] Attributes = ["red", "purple", "shiny", "wet", "cube shaped"];

    /// <summary>The class word of a subject folder; null when the folder is not a DreamBench subject.</summary>
    public static string? ClassWord(string subject) =>
        Objects.TryGetValue(subject, out var o) ? o : LiveObjects.TryGetValue(subject, out var l) ? l : null;

    public static bool IsLive(string subject) => LiveObjects.ContainsKey(subject);

    /// <summary>Prompt k as the metric text: "a {class} in the jungle", "a red {class}".</summary>
    public static string MetricText(string subject, int k) =>
        k < 20 ? $"a {ClassWordOf(subject)} {Scene(subject, k)}" : $"a {Attributes[k - 20]} {ClassWordOf(subject)}";

    /// <summary>Prompt k as KOSMOS-G input with the class word dropped: "&lt;i&gt; in the jungle", "&lt;i&gt;, red".</summary>
    public static string KosmosGPrompt(string subject, int k) =>
        k < 20 ? $"{ImageMarker} {Scene(subject, k)}" : $"{ImageMarker}, {Attributes[k - 20]}";

    static string Scene(string subject, int k) => k < 10 ? Shared[k] : (IsLive(subject) ? LiveOnly : ObjectOnly)[k - 10];

    static string ClassWordOf(string subject) =>
        ClassWord(subject) ?? throw new ArgumentException($"'{subject}' is not a DreamBench subject (known: {string.Join(", ", Objects.Keys.Concat(LiveObjects.Keys))})");
}
