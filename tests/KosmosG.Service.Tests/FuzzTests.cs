using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using KosmosG.Service.Tests.Support;
using KosmosG.Testing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace KosmosG.Service.Tests;

/// <summary>
/// A bounded, seeded fuzz campaign over loopback HTTP (Kestrel): JSON and multipart mutations of a valid request and
/// crafted images. Every answer is below 500, every error is problem+json, and the service is still ready at the end.
/// </summary>
public sealed class FuzzTests : IAsyncLifetime
{
    const int Requests = 240;
    static readonly TimeSpan Budget = TimeSpan.FromSeconds(90);
    readonly ServiceFactory _factory = new(f => f.Generator.StepDelay = TimeSpan.Zero);
    HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _factory.UseKestrel(0);
        _factory.StartServer();
        await _factory.ReadyClientAsync();
        _client = _factory.CreateClient();
        _client.Timeout = TimeSpan.FromSeconds(30);
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public Task Mutated_requests_never_get_a_5xx() => RunAsync(new Random(15), includePending: false);

    /// <summary>Adds the mutations that still hit known 500s: null array members and damaged multipart framing.</summary>
    [Fact]
    public Task Mutated_requests_including_broken_framing_never_get_a_5xx() => RunAsync(new Random(16), includePending: true);

    async Task RunAsync(Random random, bool includePending)
    {
        var images = new CraftedImages(random);
        var watch = Stopwatch.StartNew();
        var failures = new List<string>();
        var sent = 0;
        for (; sent < Requests && watch.Elapsed < Budget; sent++)
        {
            var (what, request) = random.Next(3) switch
            {
                0 => JsonMutation(random, images, includePending),
                1 => MultipartMutation(random, images, includePending),
                _ => ImageRequest(random, images),
            };
            var response = await _client.SendAsync(request);
            var status = (int)response.StatusCode;
            var type = response.Content.Headers.ContentType?.MediaType;
            if (status >= 500 || (status >= 400 && type != "application/problem+json"))
                failures.Add($"{what}: {status} {type} {Truncate(await response.Content.ReadAsStringAsync())}");
        }
        Assert.True(sent >= 50, $"only {sent} requests within {Budget}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} requests failed:\n" + string.Join("\n", failures.Take(20)));
        Assert.True((await _client.GetAsync("/health/ready")).IsSuccessStatusCode, "not ready after the campaign");
        var valid = await _client.SendAsync(Call.Generation(new { prompt = "after", steps = 1 }));
        Assert.Equal(200, (int)valid.StatusCode);
    }

    static string Truncate(string s) => s.Length <= 300 ? s : s[..300];

    static JsonObject ValidBody(CraftedImages images) => new()
    {
        ["prompt"] = "<i> on a beach",
        ["images"] = new JsonArray(Convert.ToBase64String(images.Valid)),
        ["steps"] = 2, ["n"] = 1, ["seed"] = 3, ["width"] = 64, ["height"] = 64, ["guidance_scale"] = 5,
    };

    static readonly Func<JsonNode?>[] OddValues =
    [
        () => null, () => -1, () => 0, () => 1e308, () => long.MaxValue, () => "x", () => "", () => true,
        () => new JsonArray(), () => new JsonObject(), () => new string('a', 5000), () => "<i><i><i><i><i>", () => 2.5,
        () => "data:image/png;base64,", () => new JsonArray(1, 2), () => "\u0000\uFFFF", () => -9.9e-300,
    ];

    static (string, HttpRequestMessage) JsonMutation(Random random, CraftedImages images, bool includePending)
    {
        var body = ValidBody(images);
        var keys = body.Select(p => p.Key).ToList();
        var kind = random.Next(6);
        string what;
        switch (kind)
        {
            case 0:
                var key = keys[random.Next(keys.Count)];
                body[key] = OddValues[random.Next(OddValues.Length)]();
                what = $"json {key}={body[key]?.ToJsonString() ?? "null"}";
                break;
            case 1:
                var removed = keys[random.Next(keys.Count)];
                body.Remove(removed);
                what = $"json without {removed}";
                break;
            case 2:
                body["unknown_" + random.Next(100)] = 1;
                what = "json unknown member";
                break;
            case 3 when includePending:
                body["images"] = new JsonArray(null, Convert.ToBase64String(images.Valid));
                what = "json null image";
                break;
            default:
                var item = images.Pick(random);
                body["images"] = new JsonArray(Convert.ToBase64String(item.Bytes));
                what = $"json image {item.Name}";
                break;
        }
        var text = body.ToJsonString();
        if (kind == 5) // byte-level damage to the JSON text itself
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            for (var i = random.Next(1, 4); i > 0; i--) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            text = Encoding.UTF8.GetString(bytes[..random.Next(1, bytes.Length + 1)]);
            what = "json bytes damaged";
        }
        var request = new HttpRequestMessage(HttpMethod.Post, random.Next(4) == 0 ? "/v1/images/generations" : "/v1/generations")
        {
            Content = new StringContent(text, Encoding.UTF8, "application/json"),
        };
        return (what, request);
    }

    static (string, HttpRequestMessage) MultipartMutation(Random random, CraftedImages images, bool includePending)
    {
        var item = images.Pick(random);
        var fields = new List<(string, string)> { ("prompt", "<i> on a beach"), ("steps", "2") };
        var kind = random.Next(includePending ? 5 : 4);
        var what = $"multipart image {item.Name}";
        if (kind == 1)
        {
            fields.Add((random.Next(2) == 0 ? "seed" : "bogus", OddValues[random.Next(OddValues.Length)]()?.ToJsonString() ?? ""));
            what = $"multipart odd field {fields[^1]}";
        }
        var declared = kind == 2 ? new[] { "image/gif", "text/plain", "image/jpeg", "application/octet-stream" }[random.Next(4)] : "image/png";
        if (kind == 2) what += $" declared {declared}";
        var form = Call.Form(fields, (item.Bytes, declared));
        if (kind == 3) form.Add(new StringContent("<i>"), "prompt"); // a repeated field
        HttpContent content = form;
        if (kind == 4) // damaged framing: cut the body short or break the closing boundary
        {
            var bytes = form.ReadAsByteArrayAsync().GetAwaiter().GetResult();
            var cut = bytes[..random.Next(1, bytes.Length)];
            content = new ByteArrayContent(cut);
            content.Headers.ContentType = form.Headers.ContentType;
            what = $"multipart cut at {cut.Length} of {bytes.Length}";
        }
        return (what, new HttpRequestMessage(HttpMethod.Post, "/v1/generations") { Content = content });
    }

    static (string, HttpRequestMessage) ImageRequest(Random random, CraftedImages images)
    {
        var item = images.Pick(random);
        var request = Call.Generation(new { prompt = "<i> on a beach", images = new[] { Call.DataUrl(item.Bytes) }, steps = 1 },
            random.Next(2) == 0 ? "image/png" : "application/json");
        return ($"data url {item.Name}", request);
    }

    /// <summary>Valid and hostile images: byte flips, cuts, lying headers, tiny interlaced PNGs, other formats.</summary>
    sealed class CraftedImages
    {
        readonly List<(string Name, byte[] Bytes)> _seeds = [];

        public CraftedImages(Random random)
        {
            Valid = TestPng.Solid(16, 16, 10, 200, 30);
            _seeds.Add(("png", Valid));
            _seeds.Add(("noise png", TestPng.Encode(24, 24, InterlacedPng.Pixels(24, 24))));
            foreach (var (w, h) in new[] { (1, 1), (2, 2), (4, 1), (3, 3) })
                _seeds.Add(($"interlaced {w}x{h}", InterlacedPng.Encode(w, h, InterlacedPng.Pixels(w, h))));
            _seeds.Add(("header 60000x60000", TestPng.HeaderOnly(60_000, 60_000)));
            _seeds.Add(("header 4096x4096", TestPng.HeaderOnly(4096, 4096)));
            using var image = new Image<Rgb24>(20, 20);
            for (var y = 0; y < 20; y++) for (var x = 0; x < 20; x++) image[x, y] = new Rgb24((byte)(x * 12), (byte)(y * 12), 90);
            _seeds.Add(("jpeg", Save(image, s => image.SaveAsJpeg(s))));
            _seeds.Add(("webp", Save(image, s => image.SaveAsWebp(s))));
            _seeds.Add(("gif", Save(image, s => image.SaveAsGif(s))));
            var junk = new byte[64];
            random.NextBytes(junk);
            _seeds.Add(("png signature + junk", [137, 80, 78, 71, 13, 10, 26, 10, .. junk]));
        }

        public byte[] Valid { get; }

        static byte[] Save(Image image, Action<Stream> save)
        {
            using var stream = new MemoryStream();
            save(stream);
            return stream.ToArray();
        }

        public (string Name, byte[] Bytes) Pick(Random random)
        {
            var (name, bytes) = _seeds[random.Next(_seeds.Count)];
            switch (random.Next(4))
            {
                case 0: return (name, bytes);
                case 1:
                    var flipped = (byte[])bytes.Clone();
                    var at = random.Next(Math.Min(8, flipped.Length), flipped.Length);
                    flipped[at] ^= (byte)(1 << random.Next(8));
                    return ($"{name} bit flip at {at}", flipped);
                case 2:
                    var cut = random.Next(1, bytes.Length);
                    return ($"{name} cut at {cut}", bytes[..cut]);
                default:
                    var copy = (byte[])bytes.Clone();
                    var start = random.Next(copy.Length);
                    for (var i = start; i < Math.Min(copy.Length, start + 16); i++) copy[i] = (byte)random.Next(256);
                    return ($"{name} 16 bytes scrambled at {start}", copy);
            }
        }
    }
}
