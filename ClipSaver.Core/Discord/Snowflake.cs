using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ClipSaver.Core.Discord;

/// <summary>A Discord id: 64 bits, the upper 42 a time in milliseconds since 2015. Strings in JSON, bigint in PostgreSQL.</summary>
[JsonConverter(typeof(SnowflakeJsonConverter))]
public readonly record struct Snowflake(ulong Value) : IComparable<Snowflake>
{
    public const long DiscordEpochMs = 1_420_070_400_000;

    public static Snowflake Zero => default;

    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeMilliseconds((long)(Value >> 22) + DiscordEpochMs);

    /// <summary>The smallest id at time <paramref name="time"/>: a cursor for "after" or "before" that time.</summary>
    public static Snowflake FromTime(DateTimeOffset time) =>
        new((ulong)Math.Max(0, time.ToUnixTimeMilliseconds() - DiscordEpochMs) << 22);

    public static Snowflake Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a Discord id (a number of up to 20 digits).");

    public static bool TryParse(string? text, out Snowflake id)
    {
        var ok = ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value);
        id = new Snowflake(value);
        return ok;
    }

    /// <summary>As stored in PostgreSQL (<c>bigint</c>); Discord ids stay below 2^63.</summary>
    public long ToInt64() => checked((long)Value);

    public static Snowflake FromInt64(long value) => new(checked((ulong)value));

    public int CompareTo(Snowflake other) => Value.CompareTo(other.Value);

    public static bool operator <(Snowflake left, Snowflake right) => left.Value < right.Value;

    public static bool operator >(Snowflake left, Snowflake right) => left.Value > right.Value;

    public static bool operator <=(Snowflake left, Snowflake right) => left.Value <= right.Value;

    public static bool operator >=(Snowflake left, Snowflake right) => left.Value >= right.Value;

    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
}

internal sealed class SnowflakeJsonConverter : JsonConverter<Snowflake>
{
    public override Snowflake Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.String => Snowflake.Parse(reader.GetString()!),
            JsonTokenType.Number => new Snowflake(reader.GetUInt64()),
            _ => throw new JsonException("A Discord id must be a string or a number."),
        };

    public override void Write(Utf8JsonWriter writer, Snowflake value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
