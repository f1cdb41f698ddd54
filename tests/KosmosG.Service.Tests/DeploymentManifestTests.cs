using System.Text.RegularExpressions;
using KosmosG.Service.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using YamlDotNet.RepresentationModel;

namespace KosmosG.Service.Tests;

/// <summary>
/// Docker cannot build here, so this checks what can be checked: the Kubernetes manifests parse, and their probes,
/// ports, selectors and HPA metric point at routes, ports and metrics the running app really has; the Dockerfiles
/// run as non-root, expose the same port and health-check a real route.
/// </summary>
public sealed class DeploymentManifestTests : IAsyncLifetime
{
    static readonly string Root = RepoRoot.Path;
    readonly ServiceFactory _factory = new();
    HttpClient _client = null!;
    HashSet<string> _routes = null!;

    public async Task InitializeAsync()
    {
        _client = await _factory.ReadyClientAsync();
        _routes = _factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/')).ToHashSet();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    static List<YamlMappingNode> Manifests()
    {
        var docs = new List<YamlMappingNode>();
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "deploy"), "*.yaml"))
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(File.ReadAllText(file)));
            docs.AddRange(stream.Documents.Select(d => (YamlMappingNode)d.RootNode));
        }
        return docs;
    }

    static YamlMappingNode Kind(string kind) => Manifests().Single(m => S(m, "kind") == kind);

    static YamlNode At(YamlNode node, params string[] path) =>
        path.Aggregate(node, (n, key) => n is YamlSequenceNode seq ? seq[int.Parse(key)] : ((YamlMappingNode)n)[key]);

    static string S(YamlNode node, params string[] path) => ((YamlScalarNode)At(node, path)).Value!;

    static bool Has(YamlNode node, string key) => ((YamlMappingNode)node).Children.ContainsKey(key);

    [Fact]
    public void Probes_point_at_the_apps_health_routes_on_the_container_port()
    {
        var container = At(Kind("Deployment"), "spec", "template", "spec", "containers", "0");
        var ports = ((YamlSequenceNode)At(container, "ports")).Cast<YamlMappingNode>().ToDictionary(p => S(p, "name"), p => S(p, "containerPort"));
        Assert.Equal("8080", ports["http"]);

        var probes = new Dictionary<string, string>
        {
            ["startupProbe"] = "/health/ready", ["readinessProbe"] = "/health/ready", ["livenessProbe"] = "/health/live",
        };
        foreach (var (probe, path) in probes)
        {
            Assert.Equal(path, S(container, probe, "httpGet", "path"));
            Assert.Contains(path, _routes);
            Assert.True(ports.ContainsKey(S(container, probe, "httpGet", "port")), $"{probe} uses an unknown port");
        }
    }

    [Fact]
    public async Task The_probed_routes_answer_as_probes_expect()
    {
        Assert.Equal(200, (int)(await _client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(200, (int)(await _client.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public void The_deployment_requests_a_gpu_drains_before_termination_and_runs_as_non_root()
    {
        var pod = At(Kind("Deployment"), "spec", "template", "spec");
        var container = At(pod, "containers", "0");
        Assert.Equal("1", S(container, "resources", "requests", "nvidia.com/gpu"));
        Assert.Equal("1", S(container, "resources", "limits", "nvidia.com/gpu"));
        Assert.Equal("true", S(pod, "securityContext", "runAsNonRoot"));

        var preStop = ((YamlSequenceNode)At(container, "lifecycle", "preStop", "exec", "command")).Select(n => ((YamlScalarNode)n).Value).ToList();
        Assert.Equal("sleep", preStop[0]);
        var env = ((YamlSequenceNode)At(container, "env")).Cast<YamlMappingNode>()
            .Where(e => Has(e, "value")).ToDictionary(e => S(e, "name"), e => S(e, "value"));
        var drain = double.Parse(env["KosmosG__Shutdown__DrainSeconds"]);
        Assert.True(double.Parse(S(pod, "terminationGracePeriodSeconds")) >= double.Parse(preStop[1]!) + drain + 5,
            "terminationGracePeriodSeconds must cover the preStop wait and the drain");
        Assert.Equal("cuda:0", env["KosmosG__Workers__Devices__0"]);
    }

    [Fact]
    public async Task Service_pdb_and_hpa_select_the_deployment_and_the_hpa_metric_exists()
    {
        var deployment = Kind("Deployment");
        var labels = (YamlMappingNode)At(deployment, "spec", "template", "metadata", "labels");
        bool Selects(YamlNode selector) => ((YamlMappingNode)selector).Children.All(kv => labels.Children.TryGetValue(kv.Key, out var v) && v.Equals(kv.Value));

        var service = Kind("Service");
        Assert.True(Selects(At(service, "spec", "selector")));
        Assert.Equal("http", S(service, "spec", "ports", "0", "targetPort"));
        Assert.True(Selects(At(Kind("PodDisruptionBudget"), "spec", "selector", "matchLabels")));

        var hpa = Kind("HorizontalPodAutoscaler");
        Assert.Equal(S(deployment, "metadata", "name"), S(hpa, "spec", "scaleTargetRef", "name"));
        var metric = S(hpa, "spec", "metrics", "0", "pods", "metric", "name");
        Assert.Equal("kosmosg_queue_depth", metric);
        Assert.Matches(new Regex($"(?m)^{metric}[{{ ]"), await _client.GetStringAsync("/metrics"));
    }

    [Theory]
    [InlineData("Dockerfile.cpu", "cpu")]
    [InlineData("Dockerfile.cuda", "cuda")]
    public void Dockerfiles_run_as_non_root_on_the_probed_port_with_a_health_check(string file, string backend)
    {
        var text = File.ReadAllText(Path.Combine(Root, "docker", file));
        Assert.Contains($"-p:TorchBackend={backend}", text);
        Assert.Matches(@"(?m)^USER \$APP_UID", text);
        Assert.Contains("ASPNETCORE_HTTP_PORTS=8080", text);
        Assert.Matches(@"(?m)^EXPOSE 8080", text);
        var health = Regex.Match(text, @"HEALTHCHECK[^\n]*\n?[^\n]*http://localhost:(\d+)(/[\w/]+)");
        Assert.True(health.Success, "no HEALTHCHECK with a URL");
        Assert.Equal("8080", health.Groups[1].Value);
        Assert.Contains(health.Groups[2].Value, _routes);
    }
}
