using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using YamlDotNet.RepresentationModel;

namespace ClipSaver.Tests.Foundation;

/// <summary>
/// The compose files cannot run here (no container engine; the scaled-out setup runs as plain processes in
/// <c>eng/scale-out.sh</c>). What can be checked without one is checked here: every setting they give the app is a key
/// the app reads, with a value it accepts; the services start in the right order; the proxy sends to every instance on
/// the port the image listens on; what the instances must share is given to all of them alike.
/// </summary>
public sealed partial class ComposeFileTests
{
    /// <summary>What an operator puts in the environment or a <c>.env</c> file (README, "Run it in production").</summary>
    private static readonly Dictionary<string, string> OperatorEnvironment = new()
    {
        ["POSTGRES_PASSWORD"] = "db-password",
        ["DISCORD_CLIENT_ID"] = "100000000000000001",
        ["DISCORD_CLIENT_SECRET"] = "client-secret",
        ["DISCORD_BOT_TOKEN"] = "bot-token",
        ["CLIPSAVER_OPERATOR_ID"] = "300000000000000001",
        ["MINIO_ROOT_USER"] = "minio",
        ["MINIO_ROOT_PASSWORD"] = "minio-password",
    };

    /// <summary>Keys the app reads without an options class (<c>Configuration[...]</c>).</summary>
    private static readonly string[] KeysReadDirectly =
    [
        "ConnectionStrings:" + ClipSaver.Core.Database.DatabaseSetup.ConnectionStringName,
        "ClipSaver:Database:MigrateOnStartup",
        "ClipSaver:LocalDatabase:DataDirectory",
    ];

    [Theory]
    [InlineData("docker-compose.yml")]
    [InlineData("docker-compose.scale.yml")]
    public void Every_setting_the_app_gets_is_a_key_it_reads_with_a_value_it_accepts(string file)
    {
        var services = Services(file);
        var apps = services.Where(s => s.Value.Children.ContainsKey("build")).ToList();
        Assert.NotEmpty(apps);
        foreach (var (name, service) in apps)
        {
            var settings = Settings(service);
            Assert.True(settings.Count > 0, $"{file}: {name} gets no settings");
            var problems = Check(settings);
            Assert.True(problems.Count == 0, $"{file}, service {name}:\n" + string.Join('\n', problems));
        }
    }

    [Fact]
    public void A_setting_the_app_does_not_read_or_cannot_take_is_found()
    {
        // The check itself: a misspelt key, a key of no section and a value of the wrong type are each reported.
        var problems = Check(new Dictionary<string, string>
        {
            ["ClipSaver:Storage:S3:Buckett"] = "clips",
            ["ClipSaver:Nothing"] = "x",
            ["ClipSaver:ForwardedHeaders:Enabled"] = "maybe",
            ["Discord:ClientId"] = "100000000000000001",
        });
        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.Contains("Buckett", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("ClipSaver:Nothing", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("ForwardedHeaders", StringComparison.Ordinal));
    }

    [Fact]
    public void The_scaled_out_setup_starts_three_alike_instances_after_the_migration_and_the_bucket_behind_a_proxy_that_reaches_each()
    {
        var services = Services("docker-compose.scale.yml");
        var apps = services.Where(s => s.Key.StartsWith("app", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, apps.Count);

        var migration = Settings(services["migrate"]);
        foreach (var (name, app) in apps)
        {
            // The same image and the same settings as the migration: database, bot token, bucket, public address.
            Assert.Equal(".", ((YamlScalarNode)app.Children["build"]).Value);
            Assert.Equal(migration, Settings(app));
            var dependsOn = (YamlMappingNode)app.Children["depends_on"];
            foreach (var oneShot in new[] { "migrate", "bucket" })
            {
                Assert.True(dependsOn.Children.ContainsKey(oneShot), $"{name} does not wait for {oneShot}");
                Assert.Equal("service_completed_successfully", Scalar(dependsOn, oneShot, "condition"));
            }
        }

        // Instances on several machines share no folder: clips go to the bucket the one-shot service makes.
        Assert.Equal("S3", migration["ClipSaver:Storage:Kind"]);
        Assert.Equal(Settings(services["bucket"])["CLIPSAVER_BUCKET"], migration["ClipSaver:Storage:S3:Bucket"]);
        Assert.Equal("http://minio:9000", migration["ClipSaver:Storage:S3:ServiceUrl"]);
        Assert.True(services.ContainsKey("minio"));

        // The proxy's headers are believed from the compose network only, and that network is the one declared.
        var subnet = Interpolate(Scalar(Root("docker-compose.scale.yml"), "networks", "default", "ipam", "config", "0", "subnet"));
        Assert.Equal(subnet, migration["ClipSaver:ForwardedHeaders:KnownNetworks:0"]);

        // The proxy's configuration: round robin over exactly the three instances, on the port the image listens on.
        var proxy = services["proxy"];
        var mount = ((YamlSequenceNode)proxy.Children["volumes"]).Children.Cast<YamlScalarNode>().Single().Value!;
        var config = File.ReadAllText(Path.Combine(TestS3Server.RepoRoot(), mount.Split(':')[0]));
        var port = DockerfilePort();
        var upstream = UpstreamServer().Matches(config).Select(m => m.Groups["server"].Value).Order().ToList();
        Assert.Equal(apps.Select(a => $"{a.Key}:{port}").Order().ToList(), upstream);
        Assert.Contains($"listen {port};", config, StringComparison.Ordinal);
        Assert.Equal(apps.Select(a => a.Key).Order(), ((YamlSequenceNode)proxy.Children["depends_on"]).Children.Cast<YamlScalarNode>().Select(n => n.Value!).Order());
    }

    /// <summary>Each key bound to the options class of its section (unknown keys and unconvertible values fail), then validated as at start-up.</summary>
    private static List<string> Check(IReadOnlyDictionary<string, string> settings)
    {
        var sections = OptionsSections();
        var problems = new List<string>();
        var bySection = new Dictionary<string, Dictionary<string, string?>>();
        foreach (var (key, value) in settings)
        {
            if (KeysReadDirectly.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            var section = sections.Keys.Where(s => key.StartsWith(s + ":", StringComparison.OrdinalIgnoreCase)).MaxBy(s => s.Length);
            if (section is null)
            {
                problems.Add($"{key}: no part of the app reads this key");
                continue;
            }

            (bySection.TryGetValue(section, out var keys) ? keys : bySection[section] = [])[key] = value;
        }

        foreach (var (section, keys) in bySection)
        {
            var type = sections[section];
            try
            {
                var bound = new ConfigurationBuilder().AddInMemoryCollection(keys).Build().GetSection(section)
                    .Get(type, o => o.ErrorOnUnknownConfiguration = true) ?? Activator.CreateInstance(type)!;
                var results = new List<ValidationResult>();
                if (!Validator.TryValidateObject(bound, new ValidationContext(bound), results, validateAllProperties: true))
                {
                    problems.AddRange(results.Select(r => $"{section}: {r.ErrorMessage}"));
                }
            }
            catch (InvalidOperationException e)
            {
                problems.Add($"{string.Join(", ", keys.Keys)}: {e.Message}");
            }
        }

        return problems;
    }

    /// <summary>Every options class of the app by its section (the <c>Section</c> constant each one declares).</summary>
    private static Dictionary<string, Type> OptionsSections()
    {
        var sections = new[] { typeof(ClipSaverOptions).Assembly, typeof(Program).Assembly }
            .SelectMany(a => a.GetTypes())
            .Select(t => (Type: t, Field: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)))
            .Where(x => x.Field is { IsLiteral: true } && x.Field.FieldType == typeof(string))
            .ToDictionary(x => (string)x.Field!.GetRawConstantValue()!, x => x.Type, StringComparer.OrdinalIgnoreCase);
        sections["ClipSaver:GuildDefaults"] = typeof(GuildSettings);
        return sections;
    }

    private static YamlMappingNode Root(string file)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(TestS3Server.RepoRoot(), file)))
        {
            yaml.Load(reader);
        }

        return (YamlMappingNode)yaml.Documents.Single().RootNode;
    }

    private static Dictionary<string, YamlMappingNode> Services(string file) =>
        ((YamlMappingNode)Root(file).Children["services"]).Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => (YamlMappingNode)c.Value);

    /// <summary>A service's environment as configuration keys (<c>__</c> is <c>:</c>) with the operator's variables filled in.</summary>
    private static Dictionary<string, string> Settings(YamlMappingNode service) =>
        ((YamlMappingNode)service.Children["environment"]).Children.ToDictionary(
            c => ((YamlScalarNode)c.Key).Value!.Replace("__", ":", StringComparison.Ordinal),
            c => Interpolate(((YamlScalarNode)c.Value).Value ?? ""));

    private static string Scalar(YamlNode node, params string[] path)
    {
        foreach (var step in path)
        {
            node = node is YamlSequenceNode list ? list.Children[int.Parse(step, CultureInfo.InvariantCulture)] : ((YamlMappingNode)node).Children[step];
        }

        return ((YamlScalarNode)node).Value!;
    }

    /// <summary>Compose's interpolation: <c>${X}</c>, <c>${X:-default}</c>, <c>${X:?error}</c>, and <c>$$</c> for a dollar.</summary>
    private static string Interpolate(string value) => Variable().Replace(value, m =>
    {
        if (m.Value == "$$")
        {
            return "$";
        }

        var name = m.Groups["name"].Value;
        if (OperatorEnvironment.TryGetValue(name, out var set) && set.Length > 0)
        {
            return set;
        }

        return m.Groups["op"].Value switch
        {
            ":-" => m.Groups["arg"].Value,
            ":?" => throw new InvalidOperationException($"compose would stop: {m.Groups["arg"].Value}"),
            _ => "",
        };
    });

    private static string DockerfilePort()
    {
        var dockerfile = File.ReadAllText(Path.Combine(TestS3Server.RepoRoot(), "Dockerfile"));
        return DockerfileHttpPorts().Match(dockerfile) is { Success: true } m ? m.Groups["port"].Value : throw new InvalidOperationException("The Dockerfile sets no ASPNETCORE_HTTP_PORTS.");
    }

    [GeneratedRegex(@"\$\$|\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?<op>:-|:\?)(?<arg>[^}]*))?\}")]
    private static partial Regex Variable();

    [GeneratedRegex(@"^\s*server\s+(?<server>[^\s;{]+)", RegexOptions.Multiline)]
    private static partial Regex UpstreamServer();

    [GeneratedRegex(@"ASPNETCORE_HTTP_PORTS=(?<port>\d+)")]
    private static partial Regex DockerfileHttpPorts();
}
