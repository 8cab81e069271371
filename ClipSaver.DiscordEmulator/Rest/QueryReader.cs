namespace ClipSaver.DiscordEmulator.Rest;

/// <summary>Reads query parameters the way Discord validates them; the first problem becomes <see cref="Error"/>.</summary>
internal sealed class QueryReader(HttpRequest request)
{
    public IResult? Error { get; private set; }

    public bool Has(string name) => request.Query.ContainsKey(name);

    public int Int(string name, int min, int max, int fallback)
    {
        var text = request.Query[name].ToString();
        if (text.Length == 0)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            Fail(name, "NUMBER_TYPE_COERCE", $"Value \"{text}\" is not int.");
        }
        else if (value < min)
        {
            Fail(name, "NUMBER_TYPE_MIN", $"int value should be greater than or equal to {min}.");
        }
        else if (value > max)
        {
            Fail(name, "NUMBER_TYPE_MAX", $"int value should be less than or equal to {max}.");
        }

        return value;
    }

    public ulong? Snowflake(string name) => Optional<ulong>(
        name, text => TryId(text, out var id) ? id : null, "NUMBER_TYPE_COERCE", text => $"Value \"{text}\" is not snowflake.");

    public DateTimeOffset? Time(string name) => Optional<DateTimeOffset>(
        name,
        text => DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null,
        "DATE_TIME_TYPE_PARSE",
        text => $"Could not parse {text}. Should be ISO8601.");

    /// <summary>A parameter that may be left out: null when it is, and null with the error when it does not parse.</summary>
    private T? Optional<T>(string name, Func<string, T?> parse, string code, Func<string, string> message)
        where T : struct
    {
        var text = request.Query[name].ToString();
        if (text.Length == 0)
        {
            return null;
        }

        var value = parse(text);
        if (value is null)
        {
            Fail(name, code, message(text));
        }

        return value;
    }

    public void Fail(string name, string code, string message) => Error ??= ApiErrors.InvalidForm(name, code, message);

    public static bool TryId(string text, out ulong id) => ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id);
}
