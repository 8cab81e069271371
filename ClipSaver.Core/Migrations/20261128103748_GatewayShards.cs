using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ClipSaver.Core.Migrations
{
    /// <inheritdoc />
    public partial class GatewayShards : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "gateway_shards",
                columns: table => new
                {
                    shard_id = table.Column<int>(type: "integer", nullable: false),
                    shard_count = table.Column<int>(type: "integer", nullable: false),
                    instance_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    state = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    session_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    sequence = table.Column<int>(type: "integer", nullable: true),
                    latency_ms = table.Column<int>(type: "integer", nullable: true),
                    last_event_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    last_event_name = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    guild_count = table.Column<int>(type: "integer", nullable: false),
                    unavailable_guild_ids = table.Column<long[]>(type: "bigint[]", nullable: false),
                    reconnects = table.Column<int>(type: "integer", nullable: false),
                    recent_reasons = table.Column<string[]>(type: "text[]", nullable: false),
                    stopped_reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    connected_since = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    identified_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_gateway_shards", x => x.shard_id);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "gateway_shards");
        }
    }
}
