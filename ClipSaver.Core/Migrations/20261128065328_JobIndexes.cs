using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ClipSaver.Core.Migrations
{
    /// <inheritdoc />
    public partial class JobIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_clips_author_id",
                table: "clips",
                column: "author_id");

            migrationBuilder.CreateIndex(
                name: "ix_clips_pending_files",
                table: "clips",
                column: "channel_id",
                filter: "source = 'attachment' AND storage_key IS NULL AND skip_reason IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_clips_storage_key",
                table: "clips",
                column: "storage_key");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_clips_author_id",
                table: "clips");

            migrationBuilder.DropIndex(
                name: "ix_clips_pending_files",
                table: "clips");

            migrationBuilder.DropIndex(
                name: "ix_clips_storage_key",
                table: "clips");
        }
    }
}
