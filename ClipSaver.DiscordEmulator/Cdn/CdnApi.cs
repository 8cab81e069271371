namespace ClipSaver.DiscordEmulator.Cdn;

/// <summary>The CDN: signed attachment URLs (expire), unsigned avatars and icons (do not).</summary>
internal static class CdnApi
{
    public static void MapCdnApi(this IEndpointRouteBuilder app)
    {
        var cdn = app.MapGroup("/cdn");
        cdn.MapMethods("/attachments/{channel_id}/{attachment_id}/{filename}", ["GET", "HEAD"], GetAttachment);
        cdn.MapGet("/avatars/{user_id}/{file}", (string user_id, string file) => Image(user_id, file));
        cdn.MapGet("/icons/{guild_id}/{file}", (string guild_id, string file) => Image(guild_id, file));
    }

    /// <summary>Discord's CDN answers 404 with this text for an expired or forged link.</summary>
    private static IResult GetAttachment(HttpContext context, EmulatorWorld world, CdnSigner signer, string channel_id, string attachment_id, string filename)
    {
        var query = context.Request.Query;
        if (!QueryReader.TryId(channel_id, out var channelId) || !QueryReader.TryId(attachment_id, out var attachmentId)
            || !signer.IsValid(channelId, attachmentId, filename, query["ex"], query["is"], query["hm"])
            || world.FindAttachment(channelId, attachmentId) is not { } attachment || attachment.Filename != filename)
        {
            return TypedResults.Text("This content is no longer available.", "text/plain", statusCode: 404);
        }

        return TypedResults.Stream(new GeneratedContentStream(attachment.Id, attachment.Size, attachment.ContentType), attachment.ContentType, enableRangeProcessing: true);
    }

    private static IResult Image(string owner, string file) =>
        file.EndsWith(".png", StringComparison.Ordinal) ? TypedResults.Bytes(Identicon.Png(owner, file[..^4]), "image/png") : TypedResults.NotFound();
}
