using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace ClipSaver.Core.Migrations
{
    /// <inheritdoc />
    public partial class MembersOwnData : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_clips_author_id",
                table: "clips");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "opted_out_at",
                table: "users",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "clips_skipped_opted_out",
                table: "scan_runs",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "author_id",
                table: "purge_runs",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "clips_skipped_opted_out",
                table: "channels",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.CreateTable(
                name: "exports",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    user_id = table.Column<long>(type: "bigint", nullable: false),
                    is_guild_export = table.Column<bool>(type: "boolean", nullable: false),
                    guild_id = table.Column<long>(type: "bigint", nullable: true),
                    channel_id = table.Column<long>(type: "bigint", nullable: true),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    heartbeat_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    clips_total = table.Column<long>(type: "bigint", nullable: false),
                    clips_done = table.Column<long>(type: "bigint", nullable: false),
                    bytes_done = table.Column<long>(type: "bigint", nullable: false),
                    error = table.Column<string>(type: "text", nullable: true),
                    hangfire_job_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_exports", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "export_parts",
                columns: table => new
                {
                    export_id = table.Column<long>(type: "bigint", nullable: false),
                    number = table.Column<int>(type: "integer", nullable: false),
                    storage_key = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    size_bytes = table.Column<long>(type: "bigint", nullable: false),
                    clips = table.Column<long>(type: "bigint", nullable: false),
                    last_clip_id = table.Column<long>(type: "bigint", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_export_parts", x => new { x.export_id, x.number });
                    table.ForeignKey(
                        name: "fk_export_parts_exports_export_id",
                        column: x => x.export_id,
                        principalTable: "exports",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_purge_runs_author_id",
                table: "purge_runs",
                column: "author_id",
                filter: "author_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_clips_author_id_posted_at_id",
                table: "clips",
                columns: new[] { "author_id", "posted_at", "id" },
                descending: new[] { false, true, true });

            migrationBuilder.CreateIndex(
                name: "ix_exports_expires_at",
                table: "exports",
                column: "expires_at");

            migrationBuilder.CreateIndex(
                name: "ix_exports_user_id_created_at",
                table: "exports",
                columns: new[] { "user_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ux_exports_one_active_per_user",
                table: "exports",
                column: "user_id",
                unique: true,
                filter: "status IN ('queued', 'running')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "export_parts");

            migrationBuilder.DropTable(
                name: "exports");

            migrationBuilder.DropIndex(
                name: "ix_purge_runs_author_id",
                table: "purge_runs");

            migrationBuilder.DropIndex(
                name: "ix_clips_author_id_posted_at_id",
                table: "clips");

            migrationBuilder.DropColumn(
                name: "opted_out_at",
                table: "users");

            migrationBuilder.DropColumn(
                name: "clips_skipped_opted_out",
                table: "scan_runs");

            migrationBuilder.DropColumn(
                name: "author_id",
                table: "purge_runs");

            migrationBuilder.DropColumn(
                name: "clips_skipped_opted_out",
                table: "channels");

            migrationBuilder.CreateIndex(
                name: "ix_clips_author_id",
                table: "clips",
                column: "author_id");
        }
    }
}
