namespace ClipSaver.DiscordEmulator.Rest;

/// <summary>Discord's error answers (status, JSON code, message), from the docs' JSON error code table.</summary>
internal static class ApiErrors
{
    public static IResult Unauthorized() => Error(401, 0, "401: Unauthorized");

    public static IResult NotFound() => Error(404, 0, "404: Not Found");

    public static IResult MissingAccess() => Error(403, 50001, "Missing Access");

    public static IResult UnknownChannel() => Error(404, 10003, "Unknown Channel");

    public static IResult UnknownGuild() => Error(404, 10004, "Unknown Guild");

    public static IResult UnknownMember() => Error(404, 10007, "Unknown Member");

    public static IResult UnknownMessage() => Error(404, 10008, "Unknown Message");

    public static IResult WrongChannelType() => Error(400, 50024, "Cannot execute action on this channel type");

    /// <summary>Discord's "Invalid Form Body": per field, a list of errors with a string code.</summary>
    public static IResult InvalidForm(string field, string code, string message) =>
        TypedResults.Json(
            new ErrorJson("Invalid Form Body", 50035, new Dictionary<string, object> { [field] = new { _errors = new[] { new { code, message } } } }),
            statusCode: 400);

    public static IResult Error(int status, int code, string message) => TypedResults.Json(new ErrorJson(message, code), statusCode: status);
}
