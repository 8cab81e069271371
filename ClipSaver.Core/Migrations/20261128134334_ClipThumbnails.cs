using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ClipSaver.Core.Migrations
{
    /// <inheritdoc />
    public partial class ClipThumbnails : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "thumbnail_attempts",
                table: "clips",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "thumbnail_claimed_until",
                table: "clips",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "thumbnail_state",
                table: "clips",
                type: "character varying(20)",
                maxLength: 20,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_clips_thumbnails_pending",
                table: "clips",
                column: "id",
                filter: "storage_key IS NOT NULL AND thumbnail_state IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_clips_thumbnails_pending",
                table: "clips");

            migrationBuilder.DropColumn(
                name: "thumbnail_attempts",
                table: "clips");

            migrationBuilder.DropColumn(
                name: "thumbnail_claimed_until",
                table: "clips");

            migrationBuilder.DropColumn(
                name: "thumbnail_state",
                table: "clips");
        }
    }
}
