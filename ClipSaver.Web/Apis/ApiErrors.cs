using System.Reflection;
using System.Text.RegularExpressions;

namespace ClipSaver.Web.Apis;

/// <summary>
/// The API's answer to an exception, the same in every environment (Development included, where demo mode runs):
/// a request the framework could not bind (a malformed id, a body of the wrong shape) is a 400 or 415 with a plain
/// sentence; anything else a plain 500. Never a stack trace, an exception's type or message, or a file path: the
/// developer exception page is for pages only. Minimal APIs throw <see cref="BadHttpRequestException"/> for a bad
/// request in every environment (<see cref="ApiSetup.AddClipSaverApi"/> sets it), so the reason reaches this place.
/// </summary>
public sealed partial class ApiErrorsMiddleware(RequestDelegate next, ILogger<ApiErrorsMiddleware> logger, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
{
    public async Task InvokeAsync(HttpContext http)
    {
        try
        {
            await next(http);
        }
        catch (BadHttpRequestException e) when (!http.Response.HasStarted)
        {
            LogBadRequest(logger, http.Request.Method, http.Request.Path, e.Message);
            var (title, detail) = Explain(e, http.GetEndpoint());
            await WriteAsync(http, e.StatusCode, title, detail);
        }
        catch (Exception e) when (!http.Response.HasStarted && !http.RequestAborted.IsCancellationRequested)
        {
            LogFailed(logger, e, http.Request.Method, http.Request.Path);
            await WriteAsync(http, StatusCodes.Status500InternalServerError, "Something went wrong on the server.",
                "The request could not be completed. If this keeps happening, tell the operators when it happened.");
        }
    }

    private static async Task WriteAsync(HttpContext http, int status, string title, string? detail)
    {
        http.Response.Clear();
        await TypedResults.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(http);
    }

    /// <summary>
    /// A plain sentence for what the framework refused. Its messages name the parameter
    /// (<c>Failed to bind parameter "Snowflake guildId" from "x".</c>), which is matched to the handler's parameter to
    /// say what was expected; anything unrecognised gets a general sentence.
    /// </summary>
    private (string Title, string? Detail) Explain(BadHttpRequestException e, Endpoint? endpoint)
    {
        if (e.StatusCode == StatusCodes.Status415UnsupportedMediaType)
        {
            return ("Unsupported body.", "The request body must be JSON, sent with Content-Type: application/json.");
        }

        var name = ParameterName().Match(e.Message) is { Success: true } m ? m.Groups["name"].Value : null;
        var parameter = name is null ? null : endpoint?.Metadata.GetMetadata<MethodInfo>()?.GetParameters().FirstOrDefault(p => p.Name == name);
        if (e.InnerException is JsonException jsonError)
        {
            return ("Invalid request body.", "The request body is not valid JSON for this operation: " + ExplainJson(jsonError, parameter?.ParameterType));
        }

        if (e.Message.StartsWith("Required parameter", StringComparison.Ordinal) && parameter is not null)
        {
            return IsBody(e.Message)
                ? ("Missing request body.", "This operation needs a JSON body.")
                : ("Missing parameter.", $"'{name}' is required: {Describe(parameter.ParameterType)}.");
        }

        if (e.Message.StartsWith("Failed to bind parameter", StringComparison.Ordinal) && parameter is not null)
        {
            return ("Invalid parameter.", $"'{name}' must be {Describe(parameter.ParameterType)}.");
        }

        return ("Bad request.", "The request could not be read. Nothing was changed.");
    }

    private static bool IsBody(string message) => message.EndsWith("from body.", StringComparison.Ordinal);

    private string ExplainJson(JsonException error, Type? bodyType)
    {
        // System.Text.Json reports a syntax error with its internal JsonReaderException inside; a value of the wrong
        // type without it, and with the path of the value.
        if (error.InnerException?.GetType().Name == "JsonReaderException")
        {
            return "it is not well-formed JSON.";
        }

        var path = error.Path ?? "$";
        if (path == "$")
        {
            return "it must be a JSON object.";
        }

        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return bodyType is not null && TypeAt(bodyType, field) is { } type
            ? $"'{field}' must be {Describe(type)}."
            : $"'{field}' has the wrong type.";
    }

    /// <summary>The .NET type of the value at a JSON path such as <c>clipExtensions[0]</c>, by the API's own JSON contract.</summary>
    private Type? TypeAt(Type root, string path)
    {
        var type = root;
        foreach (var segment in PathSegments().Matches(path).Select(s => s.Value))
        {
            var info = json.Value.SerializerOptions.GetTypeInfo(type);
            if (segment.StartsWith('[') && !segment.StartsWith("['", StringComparison.Ordinal))
            {
                type = info.ElementType;
            }
            else
            {
                type = info.Properties.FirstOrDefault(p => string.Equals(p.Name, segment.Trim('[', ']', '\''), StringComparison.OrdinalIgnoreCase))?.PropertyType;
            }

            if (type is null)
            {
                return null;
            }
        }

        return type;
    }

    /// <summary>What a value of a type looks like, in words: never a .NET type name.</summary>
    private static string Describe(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return "a string";
        }

        if (type == typeof(bool))
        {
            return "true or false";
        }

        if (type == typeof(Snowflake))
        {
            return $"a Discord id (digits, from 0 to {Snowflake.MaxValue})";
        }

        if (type == typeof(long) || type == typeof(int) || type == typeof(short))
        {
            return "a whole number";
        }

        if (type == typeof(double) || type == typeof(decimal) || type == typeof(float))
        {
            return "a number";
        }

        if (type == typeof(DateOnly))
        {
            return "a date (yyyy-mm-dd)";
        }

        if (type == typeof(DateTimeOffset) || type == typeof(DateTime))
        {
            return "a date and time (ISO 8601)";
        }

        if (type.IsEnum)
        {
            return "one of " + string.Join(", ", Enum.GetNames(type).Select(n => JsonNamingPolicy.SnakeCaseLower.ConvertName(n)));
        }

        if (type != typeof(string) && type.IsAssignableTo(typeof(System.Collections.IEnumerable)))
        {
            return "an array";
        }

        return "a JSON object";
    }

    [GeneratedRegex("parameter \"[^\"]* (?<name>[A-Za-z_][A-Za-z0-9_]*)\"", RegexOptions.CultureInvariant)]
    private static partial Regex ParameterName();

    [GeneratedRegex(@"\[[^\]]*\]|[^.\[]+", RegexOptions.CultureInvariant)]
    private static partial Regex PathSegments();

    [LoggerMessage(LogLevel.Information, "Bad API request {Method} {Path}: {Reason}")]
    private static partial void LogBadRequest(ILogger logger, string method, PathString path, string reason);

    [LoggerMessage(LogLevel.Error, "API request {Method} {Path} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string method, PathString path);
}
