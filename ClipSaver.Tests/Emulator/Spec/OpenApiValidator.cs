using System.Text.RegularExpressions;

namespace ClipSaver.Tests.Emulator.Spec;

/// <summary>
/// Checks JSON against a response schema of Discord's OpenAPI description (3.1): <c>$ref</c>, <c>type</c> (also as a
/// list with <c>null</c>), <c>properties</c>, <c>required</c>, <c>additionalProperties</c>, <c>items</c>,
/// <c>oneOf</c>/<c>anyOf</c>/<c>allOf</c>, <c>enum</c>, <c>const</c>, <c>pattern</c>, <c>minimum</c>/<c>maximum</c>
/// and the formats int32, int64, date-time and uri. That is the subset the description uses for the routes tested.
/// </summary>
public sealed class OpenApiValidator
{
    private static readonly Lazy<OpenApiValidator> Shared = new(() => new OpenApiValidator(Path.Combine(AppContext.BaseDirectory, "Emulator", "Spec", "openapi.json")));

    private readonly JsonElement _root;

    private OpenApiValidator(string path) => _root = JsonDocument.Parse(File.ReadAllBytes(path)).RootElement;

    public static OpenApiValidator Discord => Shared.Value;

    /// <summary>The JSON schema of a response, e.g. <c>("/channels/{channel_id}/messages", "get", "200")</c>; falls back to <c>4XX</c>.</summary>
    public JsonElement ResponseSchema(string path, string method, string status)
    {
        var responses = _root.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("responses");
        if (!responses.TryGetProperty(status, out var response))
        {
            response = responses.GetProperty(status[0] + "XX");
        }

        return Resolve(response).GetProperty("content").GetProperty("application/json").GetProperty("schema");
    }

    public JsonElement Schema(string name) => _root.GetProperty("components").GetProperty("schemas").GetProperty(name);

    public IReadOnlyList<string> Validate(JsonElement value, JsonElement schema)
    {
        var errors = new List<string>();
        Check(value, schema, "$", errors);
        return errors;
    }

    private JsonElement Resolve(JsonElement schema)
    {
        while (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$ref", out var reference))
        {
            var node = _root;
            foreach (var part in reference.GetString()!.TrimStart('#', '/').Split('/'))
            {
                node = node.GetProperty(part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
            }

            schema = node;
        }

        return schema;
    }

    private void Check(JsonElement value, JsonElement schema, string at, List<string> errors)
    {
        schema = Resolve(schema);
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (schema.TryGetProperty("type", out var type) && !TypeMatches(value, type))
        {
            errors.Add($"{at}: {value.ValueKind} is not of type {type.GetRawText()}");
            return;
        }

        if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(value, constant))
        {
            errors.Add($"{at}: {value.GetRawText()} is not {constant.GetRawText()}");
        }

        if (schema.TryGetProperty("enum", out var options) && !options.EnumerateArray().Any(o => JsonElement.DeepEquals(o, value)))
        {
            errors.Add($"{at}: {value.GetRawText()} is not one of {options.GetRawText()}");
        }

        foreach (var part in Array("allOf", schema))
        {
            Check(value, part, at, errors);
        }

        var anyOf = Array("anyOf", schema);
        if (anyOf.Count > 0 && !anyOf.Any(part => Validate(value, part).Count == 0))
        {
            errors.Add($"{at}: matches none of anyOf");
        }

        var oneOf = Array("oneOf", schema);
        if (oneOf.Count > 0)
        {
            var matches = oneOf.Count(part => Validate(value, part).Count == 0);
            if (matches != 1)
            {
                errors.Add($"{at}: matches {matches} of oneOf, not exactly one ({value.GetRawText()[..Math.Min(120, value.GetRawText().Length)]})");
            }
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                CheckObject(value, schema, at, errors);
                break;
            case JsonValueKind.Array when schema.TryGetProperty("items", out var items):
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    Check(item, items, $"{at}[{index++}]", errors);
                }

                break;
            case JsonValueKind.String:
                CheckString(value.GetString()!, schema, at, errors);
                break;
            case JsonValueKind.Number:
                CheckNumber(value, schema, at, errors);
                break;
        }
    }

    private void CheckObject(JsonElement value, JsonElement schema, string at, List<string> errors)
    {
        var properties = schema.TryGetProperty("properties", out var p) ? p : default;
        foreach (var required in Array("required", schema))
        {
            if (!value.TryGetProperty(required.GetString()!, out _))
            {
                errors.Add($"{at}: required property '{required.GetString()}' is missing");
            }
        }

        foreach (var property in value.EnumerateObject())
        {
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                Check(property.Value, propertySchema, $"{at}.{property.Name}", errors);
            }
            else if (schema.TryGetProperty("additionalProperties", out var additional))
            {
                if (additional.ValueKind == JsonValueKind.False)
                {
                    errors.Add($"{at}: property '{property.Name}' is not allowed");
                }
                else if (additional.ValueKind == JsonValueKind.Object)
                {
                    Check(property.Value, additional, $"{at}.{property.Name}", errors);
                }
            }
        }
    }

    private static void CheckString(string text, JsonElement schema, string at, List<string> errors)
    {
        if (schema.TryGetProperty("pattern", out var pattern) && !Regex.IsMatch(text, pattern.GetString()!, RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            errors.Add($"{at}: '{text}' does not match {pattern.GetString()}");
        }

        var format = schema.TryGetProperty("format", out var f) ? f.GetString() : null;
        if (format == "date-time" && !DateTimeOffset.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.FFFFFFzzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            errors.Add($"{at}: '{text}' is not an RFC 3339 date-time");
        }

        if (format == "uri" && !Uri.TryCreate(text, UriKind.Absolute, out _))
        {
            errors.Add($"{at}: '{text}' is not an absolute URI");
        }
    }

    private static void CheckNumber(JsonElement value, JsonElement schema, string at, List<string> errors)
    {
        var number = value.GetDecimal();
        var format = schema.TryGetProperty("format", out var f) ? f.GetString() : null;
        var (min, max) = format switch
        {
            "int32" => (int.MinValue, int.MaxValue),
            "int64" => ((decimal)long.MinValue, (decimal)long.MaxValue),
            _ => (decimal.MinValue, decimal.MaxValue),
        };
        if (schema.TryGetProperty("minimum", out var minimum))
        {
            min = Math.Max(min, minimum.GetDecimal());
        }

        if (schema.TryGetProperty("maximum", out var maximum))
        {
            max = Math.Min(max, maximum.GetDecimal());
        }

        if (number < min || number > max)
        {
            errors.Add($"{at}: {number} is outside [{min}, {max}]");
        }
    }

    private static bool TypeMatches(JsonElement value, JsonElement type) =>
        type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Any(t => TypeMatches(value, t.GetString()!)) : TypeMatches(value, type.GetString()!);

    private static bool TypeMatches(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && decimal.IsInteger(value.GetDecimal()),
        _ => false,
    };

    private static List<JsonElement> Array(string name, JsonElement schema) =>
        schema.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array ? [.. list.EnumerateArray()] : [];
}
