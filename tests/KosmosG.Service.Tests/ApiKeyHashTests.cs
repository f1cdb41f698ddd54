using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using KosmosG.Service.Tests.Support;

namespace KosmosG.Service.Tests;

/// <summary>
/// A wrong key is refused however much of its SHA-256 hash it shares with a configured one: the whole hash must match.
/// The near-miss keys below were found by brute force over "alice-near-{i}" (i up to 70,392,592; Python hashlib), each
/// the first whose hash shares exactly that many leading or trailing bytes with SHA-256("alice-secret") =
/// 0c848abb...69572376. The test re-checks each property, so a stale key fails loudly instead of testing nothing.
/// </summary>
public sealed class ApiKeyHashTests : IAsyncLifetime
{
    const string Valid = "alice-secret";

    static byte[] Sha256(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    readonly ServiceFactory _factory = new(f =>
    {
        f["Auth:Keys:0:Name"] = "alice";
        f["Auth:Keys:0:Sha256"] = Convert.ToHexString(Sha256(Valid)).ToLowerInvariant();
    });

    public async Task InitializeAsync() => await _factory.ReadyClientAsync();

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    async Task<HttpResponseMessage> ModelsAs(string key)
    {
        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await client.GetAsync("/v1/models");
    }

    [Theory]
    [InlineData("alice-near-97", 1)]
    [InlineData("alice-near-137801", 2)]
    [InlineData("alice-near-70392592", 3)]
    public async Task A_key_whose_hash_shares_a_prefix_with_a_valid_one_is_refused(string key, int sharedBytes)
    {
        byte[] valid = Sha256(Valid), near = Sha256(key);
        Assert.True(near.AsSpan(0, sharedBytes).SequenceEqual(valid.AsSpan(0, sharedBytes)) && near[sharedBytes] != valid[sharedBytes],
            $"{key} no longer shares exactly {sharedBytes} leading hash bytes with the valid key");
        await (await ModelsAs(key)).AssertProblemAsync(401, "Authorization", "unauthorized");
        Assert.Equal(200, (int)(await ModelsAs(Valid)).StatusCode);
    }

    [Theory]
    [InlineData("alice-near-62", 1)]
    [InlineData("alice-near-80435", 2)]
    public async Task A_key_whose_hash_shares_a_suffix_with_a_valid_one_is_refused(string key, int sharedBytes)
    {
        byte[] valid = Sha256(Valid), near = Sha256(key);
        Assert.True(near.AsSpan(32 - sharedBytes).SequenceEqual(valid.AsSpan(32 - sharedBytes)) && near[31 - sharedBytes] != valid[31 - sharedBytes],
            $"{key} no longer shares exactly {sharedBytes} trailing hash bytes with the valid key");
        await (await ModelsAs(key)).AssertProblemAsync(401, "Authorization", "unauthorized");
    }

    /// <summary>The auth scheme name is case-insensitive (RFC 9110 section 11.1); the key itself is not.</summary>
    [Fact]
    public async Task The_bearer_scheme_name_is_case_insensitive()
    {
        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("bearer", Valid);
        Assert.Equal(200, (int)(await client.GetAsync("/v1/models")).StatusCode);
    }

    /// <summary>A key is compared whole: a prefix, an extension or a different case of the valid key is another key.</summary>
    [Theory]
    [InlineData("alice-secre")]
    [InlineData("alice-secret2")]
    [InlineData("ALICE-SECRET")]
    [InlineData("")]
    public async Task Keys_that_resemble_the_valid_one_are_refused(string key) =>
        Assert.Equal(401, (int)(await ModelsAs(key)).StatusCode);
}
