using ClipSaver.Web;

// 'migrate' applies the database migrations and exits: Production never migrates silently at start-up.
// 'tokens create' makes an API token for automation.
// 'storage move --to s3|local' copies the archive between the local folder and the bucket.
if (args is ["migrate", .. var migrateArgs])
{
    return await MigrateCommand.RunAsync(migrateArgs);
}

if (args is ["tokens", .. var tokenArgs])
{
    return await TokensCommand.RunAsync(tokenArgs, Console.Out, Console.Error);
}

if (args is ["storage", .. var storageArgs])
{
    return await StorageCommand.RunAsync(storageArgs, Console.Out, Console.Error);
}

var builder = ContentRoot.CreateBuilder(args);
builder.AddClipSaverCore();
await builder.AddClipSaverWebAsync();

var app = builder.Build();
await app.PrepareDatabaseAsync();
app.UseClipSaverWeb();
await app.RunAsync();
return 0;

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
