using System.Text.Json.Serialization;

namespace ClipSaver.Core.Discord;

/// <summary>
/// A Discord id: 64 bits, the upper 42 a time in milliseconds since 2015. Strings in JSON, bigint in PostgreSQL.
/// Parsing accepts 0 to 2^63−1 only: larger numbers cannot be stored, and Discord's ids stay below 2^63 for decades.
/// Minimal APIs bind route and query ids with <see cref="TryParse"/>, so such a number is a 400 like any malformed id.
/// </summary>
[JsonConverter(typeof(SnowflakeJsonConverter))]
public readonly record struct Snowflake(ulong Value) : IComparable<Snowflake>
{
    public const long DiscordEpochMs = 1_420_070_400_000;

    public static Snowflake Zero => default;

    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeMilliseconds((long)(Value >> 22) + DiscordEpochMs);

    /// <summary>The smallest id at time <paramref name="time"/>: a cursor for "after" or "before" that time.</summary>
    public static Snowflake FromTime(DateTimeOffset time) =>
        new((ulong)Math.Max(0, time.ToUnixTimeMilliseconds() - DiscordEpochMs) << 22);

    /// <summary>The largest id that fits PostgreSQL's <c>bigint</c>.</summary>
    public const ulong MaxValue = long.MaxValue;

    public static Snowflake Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a Discord id (a number from 0 to {MaxValue}).");

    public static bool TryParse(string? text, out Snowflake id)
    {
        var ok = ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= MaxValue;
        id = ok ? new Snowflake(value) : default;
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
            JsonTokenType.String when Snowflake.TryParse(reader.GetString(), out var id) => id,
            JsonTokenType.Number when reader.TryGetUInt64(out var value) && value <= Snowflake.MaxValue => new Snowflake(value),
            _ => throw new JsonException($"A Discord id must be a string of digits, from 0 to {Snowflake.MaxValue}."),
        };

    public override void Write(Utf8JsonWriter writer, Snowflake value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
