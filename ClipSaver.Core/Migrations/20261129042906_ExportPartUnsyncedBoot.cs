using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ClipSaver.Core.Migrations
{
    /// <inheritdoc />
    public partial class ExportPartUnsyncedBoot : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "unsynced_boot",
                table: "export_parts",
                type: "uuid",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "unsynced_boot",
                table: "export_parts");
        }
    }
}
