using System.Net;
using System.Text.RegularExpressions;
using KosmosG.Service.Options;
using KosmosG.Service.Tests.Support;
using Microsoft.Extensions.Configuration;
using YamlDotNet.RepresentationModel;

namespace KosmosG.Service.Tests;

/// <summary>
/// docker compose cannot run here, so docker/compose.yaml, docker/nginx.conf and deploy/redis/ are checked by reading
/// them: Redis plus two replicas that point at it by service name, nginx balancing over exactly those replicas on the
/// port the image serves, the proxy network the replicas trust, and KosmosG__* variables that bind to real options.
/// </summary>
public sealed class ComposeConfigTests
{
    static readonly string Root = RepoRoot.Path;

    static List<YamlMappingNode> Load(string path)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(Root, path))));
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
    }

    static YamlNode At(YamlNode node, params string[] path) =>
        path.Aggregate(node, (n, key) => n is YamlSequenceNode seq ? seq[int.Parse(key)] : ((YamlMappingNode)n)[key]);

    static string S(YamlNode node, params string[] path) => ((YamlScalarNode)At(node, path)).Value!;

    static KosmosGOptions Bind(IEnumerable<KeyValuePair<string, string?>> environment)
    {
        // As the host reads environment variables: "__" separates sections.
        var settings = environment.Select(p => new KeyValuePair<string, string?>(p.Key.Replace("__", ":"), p.Value));
        var options = new KosmosGOptions();
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(KosmosGOptions.Section).Bind(options);
        return options;
    }

    static YamlMappingNode Services => (YamlMappingNode)At(Load("docker/compose.yaml")[0], "services");

    static List<(string Name, YamlMappingNode Service)> Replicas() => Services.Children
        .Where(p => ((YamlMappingNode)p.Value).Children.ContainsKey("environment"))
        .Select(p => (((YamlScalarNode)p.Key).Value!, (YamlMappingNode)p.Value)).ToList();

    static Dictionary<string, string?> Environment(YamlMappingNode service) => ((YamlMappingNode)service["environment"]).Children
        .ToDictionary(p => ((YamlScalarNode)p.Key).Value!, p => ((YamlScalarNode)p.Value).Value);

    [Fact]
    public void Two_replicas_share_the_compose_redis_and_trust_only_the_compose_network()
    {
        var replicas = Replicas();
        Assert.Equal(2, replicas.Count);
        var subnet = S(Load("docker/compose.yaml")[0], "networks", "kosmosg", "ipam", "config", "0", "subnet");
        foreach (var (name, service) in replicas)
        {
            var options = Bind(Environment(service));
            var (host, port) = (options.Jobs.Redis.Split(':')[0], int.Parse(options.Jobs.Redis.Split(':')[1]));
            Assert.True(Services.Children.ContainsKey(host), $"{name}: KosmosG__Jobs__Redis names '{host}', not a compose service");
            Assert.StartsWith("redis:", S(Services, host, "image"));
            Assert.Equal(6379, port); // the redis image's port; compose publishes none of it outside
            Assert.Equal(host, ((YamlMappingNode)At(service, "depends_on")).Children.Keys.OfType<YamlScalarNode>().Single().Value);
            Assert.Equal([subnet], options.Proxy.KnownNetworks);
            Assert.True(IPNetwork.TryParse(subnet, out _));
            Assert.True(File.Exists(Path.Combine(Root, "docker", "..", S(service, "build", "dockerfile"))));
            // The results folder is one named volume both replicas mount, at the folder the image makes writable.
            var mount = S(service, "volumes", "0").Split(':');
            Assert.Equal(options.Jobs.ResultsFolder, mount[1]);
            Assert.True(((YamlMappingNode)At(Load("docker/compose.yaml")[0], "volumes")).Children.ContainsKey(mount[0]), mount[0]);
            Assert.Contains($"mkdir {mount[1]} && chown $APP_UID {mount[1]}", File.ReadAllText(Path.Combine(Root, S(service, "build", "dockerfile"))));
        }
        Assert.Single(replicas.Select(r => S(r.Service, "volumes", "0")).Distinct());
    }

    [Fact]
    public void Nginx_balances_over_exactly_the_replicas_on_the_port_the_image_serves_and_streams_events_unbuffered()
    {
        var nginx = S(Services, "nginx", "volumes", "0").Split(':')[0];
        var conf = File.ReadAllText(Path.Combine(Root, "docker", nginx));
        var dockerfile = File.ReadAllText(Path.Combine(Root, "docker", "Dockerfile.cpu"));
        var port = Regex.Match(dockerfile, @"ASPNETCORE_HTTP_PORTS=(\d+)").Groups[1].Value;
        var upstream = Regex.Matches(conf, @"server\s+([\w-]+):(\d+)").Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();
        Assert.Equal(Replicas().Select(r => (r.Name, port)).Order(), upstream.Order());
        Assert.Matches(@"proxy_buffering\s+off;", conf);
        Assert.Matches(@"X-Forwarded-For", conf);
        Assert.Equal("80", S(Services, "nginx", "ports", "0").Split(':')[1]);
        Assert.Matches(@"listen\s+80;", conf);
    }

    [Fact]
    public void The_kubernetes_replicas_point_at_the_redis_service_and_its_pods()
    {
        var redis = Load("deploy/redis/redis.yaml");
        var set = redis.Single(d => S(d, "kind") == "StatefulSet");
        var service = redis.Single(d => S(d, "kind") == "Service");
        Assert.Equal(S(set, "spec", "selector", "matchLabels", "app.kubernetes.io/name"), S(service, "spec", "selector", "app.kubernetes.io/name"));
        Assert.Equal(S(set, "spec", "serviceName"), S(service, "metadata", "name"));

        var deployment = Load("deploy/deployment.yaml").Single(d => S(d, "kind") == "Deployment");
        var env = ((YamlSequenceNode)At(deployment, "spec", "template", "spec", "containers", "0", "env")).Children
            .Cast<YamlMappingNode>().Where(e => e.Children.ContainsKey("value"))
            .Select(e => new KeyValuePair<string, string?>(S(e, "name"), S(e, "value")));
        var options = Bind(env);
        Assert.Equal($"{S(service, "metadata", "name")}:{S(service, "spec", "ports", "0", "port")}", options.Jobs.Redis);
        // Every pod mounts the one ReadWriteMany claim at the results folder.
        var pod = At(deployment, "spec", "template", "spec");
        var mount = ((YamlSequenceNode)At(pod, "containers", "0", "volumeMounts")).Cast<YamlMappingNode>().Single(m => S(m, "mountPath") == options.Jobs.ResultsFolder);
        var volume = ((YamlSequenceNode)At(pod, "volumes")).Cast<YamlMappingNode>().Single(v => S(v, "name") == S(mount, "name"));
        var claim = Load("deploy/results.yaml").Single(d => S(d, "kind") == "PersistentVolumeClaim");
        Assert.Equal(S(claim, "metadata", "name"), S(volume, "persistentVolumeClaim", "claimName"));
        Assert.Equal("ReadWriteMany", S(claim, "spec", "accessModes", "0"));
        Assert.All(options.Proxy.KnownNetworks, n => Assert.True(IPNetwork.TryParse(n, out _), n));
    }
}
